/**
 * Membership sync, the server's half (docs/E2E.md section 3, "Membership sync"): the leaves of each
 * end-to-end encrypted conversation's MLS group follow who may read it. For each conversation with
 * a group, the leaves that should be there are the registered devices (auth's Device rows: deleted
 * with their session on logout, password change, ticket reuse or expiry) of the users who may read
 * it: a DM's two participants (always, as access.ts says: unfriending or blocking stops posting,
 * not reading, and no member could commit a removal while posting is refused), a group's current
 * members (GroupMember rows). Every other leaf of the current GroupInfo's ratchet tree (a kicked
 * or departed user's device, a signed-out device, a device whose key is not the registered one, a
 * credential that is not a Sealroom device's) gets a Remove proposal signed with the server's
 * external sender key, appended as an `mls.proposal` entry without sender; the next member device
 * to send commits it (Group.commitPending).
 *
 * At most one proposal per leaf and epoch: its clientMsgId is `mls-remove:<conv>:<epoch>:<leaf>`,
 * checked in the transaction that appends it, with the conversation locked. A commit that did not
 * include it makes it stale; the reconciler runs after every accepted commit and proposes again in
 * the new epoch if the leaf is still there. It runs after each commit, after kicks and departures
 * (the group timeline), when auth signs sessions out (`ctl.session.revoked`, published after the
 * transaction that deleted their devices: logout, password change, ticket reuse), and in a
 * periodic sweep of every group (devices of expired sessions, lost doorbells): NATS is the
 * doorbell, the database the truth.
 *
 * Signing is asynchronous (WebCrypto), so proposals are made from a snapshot, outside the writer's
 * transaction, and appended only if the conversation is still at that epoch.
 */
import { inspectMembership, type ExternalSenderKey } from "@sealroom/e2e";
import { parseConversationId, type MlsEntry } from "@sealroom/proto/chat";
import type { SqlDb } from "@sealroom/db/sql";
import type { Logger } from "@sealroom/runtime";
import { append } from "./entries.js";
import { belongs, readers } from "./group-readers.js";
import type { Publish } from "./publish.js";
import { queries } from "./queries.js";
import type { Writer } from "./writer.js";

export interface ReconcilerDeps {
  db: SqlDb;
  writer: Writer;
  publish: Publish;
  log: Logger;
  sender: ExternalSenderKey;
}

/** Conversations per page of the sweep. */
const SWEEP_PAGE = 200;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const proposalId = (convId: number, epoch: number, leaf: number) => `mls-remove:${convId}:${epoch}:${leaf}`;

export function createReconciler({ db, writer, publish, log, sender }: ReconcilerDeps) {
  const running = new Map<string, Promise<number>>();
  const again = new Set<string>();

  /** The Remove proposals due in `key`'s current epoch, not yet in the log. */
  async function plan(key: string) {
    return db.snapshot(async (tx) => {
      const q = queries(tx);
      const conv = await q.convByKey.get(key);
      if (!conv || conv.mlsEpoch === null) return undefined;
      const info = await q.groupInfo.get(conv.id);
      if (!info || info.epoch !== conv.mlsEpoch) return undefined;
      const groupInfo = new Uint8Array(Buffer.from(info.data, "base64url"));
      const allowed = await readers(q, key);
      const leaves: number[] = [];
      for (const leaf of inspectMembership(groupInfo).leaves) {
        if (await belongs(q, allowed, leaf)) continue;
        if (await q.serverEntry.get(proposalId(conv.id, info.epoch, leaf.leafIndex))) continue;
        leaves.push(leaf.leafIndex);
      }
      return { convId: conv.id, epoch: info.epoch, groupInfo, leaves };
    });
  }

  /** Proposes what is due in one conversation; resolves with how many proposals it appended. */
  async function once(key: string): Promise<number> {
    const due = await plan(key);
    if (!due || due.leaves.length === 0) return 0;
    const messages = await sender.proposeRemoveLeaves(due.groupInfo, due.leaves);
    return writer.submit(
      async (tx, now) => {
        const q = queries(tx);
        const conv = await q.convForUpdate.get(key);
        // A commit got in meanwhile: these are stale; the run after that commit proposes anew.
        if (!conv || conv.mlsEpoch !== due.epoch) return { value: 0 };
        const entries: MlsEntry[] = [];
        for (const [i, leaf] of due.leaves.entries()) {
          const clientMsgId = proposalId(conv.id, due.epoch, leaf);
          if (await q.serverEntry.get(clientMsgId)) continue;
          const message = b64(messages[i]!);
          const entry = { kind: "mls.proposal", senderId: null, clientMsgId, body: message } as const;
          const { id, seq } = await append(q, conv, { ...entry, targetSeq: null, activity: false }, now);
          entries.push({
            kind: "mls.proposal",
            id,
            conversationId: key,
            seq,
            ts: now,
            senderId: null,
            clientMsgId,
            message,
          });
        }
        if (entries.length === 0) return { value: 0 };
        const to = [...(await readers(q, key))];
        const ref = parseConversationId(key);
        const group = ref?.kind === "group" ? await q.group.get(ref.groupId) : undefined;
        return {
          value: entries.length,
          after: () => {
            for (const entry of entries) {
              publish(to, "chat.message.created.v1", {
                entry,
                sender: null,
                group: group ? { id: group.id, name: group.name } : null,
                preview: "",
              });
            }
          },
        };
      },
      { key },
    );
  }

  /** Runs for `key`, coalescing calls: one run at a time per conversation, one more if asked meanwhile. */
  function reconcile(key: string): Promise<number> {
    const current = running.get(key);
    if (current) {
      again.add(key);
      return current;
    }
    const run = (async () => {
      let total = 0;
      do {
        again.delete(key);
        total += await once(key);
      } while (again.has(key));
      return total;
    })().finally(() => running.delete(key));
    running.set(key, run);
    return run;
  }

  return {
    reconcile,
    /** reconcile(), for a doorbell: failures are logged (the sweep tries again). */
    schedule(key: string): void {
      reconcile(key).catch((err: unknown) => log.warn({ err, conversationId: key }, "MLS membership reconcile failed"));
    },
    /** The user's end-to-end encrypted conversations: after auth signed out some of their devices. */
    async user(userId: number): Promise<void> {
      const convs = await db.snapshot((tx) => queries(tx).mlsConversationsOf.all(userId));
      for (const conv of convs) {
        try {
          await reconcile(conv.key);
        } catch (err) {
          log.warn({ err, conversationId: conv.key }, "MLS membership reconcile failed");
        }
      }
    },
    /** Every end-to-end encrypted conversation, page by page. */
    async sweep(): Promise<void> {
      let after = 0;
      for (;;) {
        const page = await db.snapshot((tx) => queries(tx).mlsConversationsAfter.all(after, SWEEP_PAGE));
        for (const conv of page) {
          try {
            await reconcile(conv.key);
          } catch (err) {
            log.warn({ err, conversationId: conv.key }, "MLS membership reconcile failed");
          }
        }
        if (page.length < SWEEP_PAGE) return;
        after = page[page.length - 1]!.id;
      }
    },
    /** Resolves once no run is in flight. */
    async settled(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;
