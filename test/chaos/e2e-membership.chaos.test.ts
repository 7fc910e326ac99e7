/**
 * End-to-end encryption under faults, the "unable to decrypt" count (issue #18): an encrypted
 * group whose members all send while the owner invites new members and kicks one; the chat service
 * (the MLS Delivery Service) is SIGKILLed twice in the middle of it and one gateway once (its
 * clients reconnect to the other); every joiner's tab reloads just after it joins, and two
 * senders' tabs between the load and the last messages (a reload: the store and engine made again
 * over the same saved device state and session). On a server that refuses plaintext (the
 * default). Every device runs the SDK's engine; concurrent commits race for the same epoch and
 * the losers catch up and retry (STALE_EPOCH), commits and Welcomes are cut off by the kills.
 *
 * What must hold afterwards: every device still in the group reads every message sent after it
 * joined (undecryptable, summed over a device's lives, 0; nothing "unavailable" after its first
 * readable message), the
 * members who were there from the start read every acknowledged message, the kicked member reads
 * nothing sent after her removal, the log is gapless with each clientMsgId once, and the database
 * holds none of the texts.
 *
 * `npm run test:chaos` only (CHAOS_SCALE=full: 10 devices; without it, 6). Under load (three copies
 * at once on two cores, load average ~15) it used to end with a joiner that never read the group:
 * its Welcome's KeyPackage was used up by a join whose next request failed in a chat SIGKILL, so
 * the Welcome could not be joined again (now the request comes first: engine.ts joinWelcomes).
 * With that and the Delivery Service's GROUP_INCOMPLETE check, 6 of 6 loaded runs pass (both
 * engines). Not in `npm test`: it takes a minute under the suite's load, and it kills processes.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { ChatStore, MemoryE2eStateStore, type E2eTextEntry } from "@sealroom/sdk/node";
import { report } from "./support/figures.js";
import { NO_GATEWAY_LIMITS, NO_READ_LIMIT, sleep, startSystem, type System } from "./support/system.js";
import { befriend, checkLog, groupOf, signUp, type Ack, type User } from "./support/traffic.js";

const FULL = process.env.CHAOS_SCALE === "full";
const SCALE = FULL ? { members: 6, joiners: 3, perDevice: 40 } : { members: 3, joiners: 2, perDevice: 12 };
const TIMEOUT = FULL ? 600_000 : 150_000;

interface Member extends User {
  chat: ChatStore;
  /** The device's keys and groups, kept across reloads (what IndexedDB keeps for a browser tab). */
  readonly state: MemoryE2eStateStore;
  /** Unreadable messages counted by the engines of the device's earlier lives (before reloads). */
  undecryptableBefore: number;
  reloads: number;
}

let system: System;

beforeAll(async () => {
  system = await startSystem({
    gateways: 2,
    env: {
      ...NO_GATEWAY_LIMITS,
      CHAT_REQUIRE_E2E: "1",
      CHAT_SEND_RATE_PER_SEC: "100000",
      CHAT_SEND_BURST: "100000",
      ...NO_READ_LIMIT,
    },
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

function openChat(user: User, state: MemoryE2eStateStore): ChatStore {
  const chat = new ChatStore(user.client, {
    gapDelayMs: 50,
    outbox: { initialDelayMs: 50, maxDelayMs: 1000 },
    e2e: { store: state, deviceName: "chaos device", lowWater: 3, target: 8 },
  });
  chat.start();
  return chat;
}

function member(user: User): Member {
  const state = new MemoryE2eStateStore();
  return { ...user, chat: openChat(user, state), state, undecryptableBefore: 0, reloads: 0 };
}

/**
 * A tab reload: the device's store and engine stopped and made again over the same saved state
 * and the same signed-in session; the new store starts at the newest entries (loadOlder pages
 * back, reading what the earlier life saved).
 */
async function reload(m: Member): Promise<void> {
  m.undecryptableBefore += m.chat.e2e?.undecryptable ?? 0;
  m.chat.stop();
  m.chat = openChat(m, m.state);
  m.reloads++;
  await m.chat.e2e?.deviceReady();
}

const undecryptableOf = (m: Member) => m.undecryptableBefore + (m.chat.e2e?.undecryptable ?? 0);

async function pageToStart(m: Member, conversationId: string): Promise<void> {
  for (let pages = 0; m.chat.getSnapshot().byId[conversationId]?.hasOlder ?? true; pages++) {
    if (pages > 500) throw new Error("history did not end");
    await m.chat.loadOlder(conversationId, 50);
  }
}

const encrypted = (m: Member, conversationId: string): E2eTextEntry[] =>
  (m.chat.getSnapshot().byId[conversationId]?.entries ?? []).filter(
    (e): e is E2eTextEntry => e.kind === "text" && "e2e" in e,
  );

const readable = (m: Member, conversationId: string) =>
  new Set(
    encrypted(m, conversationId)
      .filter((e) => e.e2e === "decrypted")
      .map((e) => e.text),
  );

/** What a device shows after the first message it could read: anything not decrypted there is a failure. */
function unreadAfterJoin(m: Member, conversationId: string): E2eTextEntry[] {
  const entries = encrypted(m, conversationId).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const first = entries.findIndex((e) => e.e2e === "decrypted");
  return first < 0 ? [] : entries.slice(first).filter((e) => e.e2e !== "decrypted");
}

async function until(what: string, ms: number, ok: () => boolean, explain = () => ""): Promise<void> {
  for (const deadline = Date.now() + ms; !ok(); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${explain()}`);
  }
}

/** What a device lacks of `texts`, and what its outbox holds: the story of a stuck device. */
function lacking(m: Member, conversationId: string, texts: string[]): string {
  const missing = texts.filter((t) => !readable(m, conversationId).has(t));
  if (missing.length === 0) return "";
  const view = m.chat.getSnapshot().byId[conversationId];
  const pending = (view?.pending ?? []).map((p) => `${p.text} [${p.status}${p.error ? ` ${p.error.code}` : ""}]`);
  const shown = encrypted(m, conversationId).map((e) => `${e.seq}:${e.e2e}`);
  const refused = m.chat.e2e?.refusedLeaves ?? 0;
  return `\n  ${m.name} (refused leaves ${refused}): lacks ${missing.join(", ")}; pending ${pending.join(", ") || "none"}; shows ${shown.slice(-8).join(" ")}`;
}

test(
  "an encrypted group through adds, a kick, concurrent sends, two chat SIGKILLs, a gateway SIGKILL and tab reloads: every device reads what it should, nothing more",
  async () => {
    const [a, b] = system.wsUrls as [string, string];
    const owner = member(await signUp(system, "own", { urls: [a, b] }));
    const members: Member[] = [];
    for (let i = 0; i < SCALE.members; i++)
      members.push(member(await signUp(system, "mem", { urls: i % 2 ? [b, a] : [a, b] })));
    const joiners: Member[] = [];
    for (let i = 0; i < SCALE.joiners; i++) joiners.push(member(await signUp(system, "new", { urls: [b, a] })));
    const { groupId, conversationId: conv } = await groupOf(owner, members);
    for (const j of joiners) await befriend(owner, j);
    for (const m of [owner, ...members, ...joiners]) await m.chat.e2e?.deviceReady();

    const kicked = members[0]!;
    const stayers = [owner, ...members.slice(1)];
    const acks: Ack[] = [];
    const texts: string[] = [];
    const ackedTexts = new Set<string>();
    const failures: string[] = [];
    let kickedAt = Number.POSITIVE_INFINITY;

    const sendAll = async (m: Member, prefix: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const text = `${prefix} ${m.name} #${i}`;
        texts.push(text);
        try {
          const ack = await m.chat.send(conv, text);
          acks.push({ conversationId: conv, seq: ack.seq, clientMsgId: ack.clientMsgId, senderId: m.id });
          ackedTexts.add(text);
        } catch (err) {
          // Only the kicked member may be refused, and only once social has removed her.
          if (m !== kicked || Date.now() < kickedAt) failures.push(`${text}: ${(err as Error).message}`);
        }
        await sleep(10);
      }
    };
    const reloads: Promise<void>[] = [];
    const membership = async () => {
      await sleep(300);
      for (const j of joiners) {
        await owner.social.invite(groupId, j.id);
        const invitation = (await j.social.overview()).invitations.find((i) => i.group.id === groupId);
        if (!invitation) throw new Error("no invitation");
        await j.social.acceptInvitation(invitation.id);
        // The joiner's tab reloads soon after, maybe while its Welcome is on the way.
        reloads.push(sleep(300).then(() => reload(j)));
        await sleep(200);
      }
      kickedAt = Date.now();
      await owner.social.kick(groupId, kicked.id);
    };
    const chat = system.services.chat;
    const gateway = system.gateways[0]!;
    const faults = async () => {
      for (let k = 0; k < 2; k++) {
        await sleep(FULL ? 2500 : 1200);
        await chat.kill();
        await sleep(100);
        await chat.start();
        if (k === 0) {
          // The owner's and half the members' gateway dies: they reconnect to the other one.
          await gateway.kill();
          await sleep(100);
          await gateway.start();
        }
      }
    };
    const started = Date.now();
    await Promise.all([...[owner, ...members].map((m) => sendAll(m, "load", SCALE.perDevice)), membership(), faults()]);
    await Promise.all(reloads);
    // Two senders' tabs reload between the load and the last messages.
    await Promise.all([reload(owner), reload(stayers[1]!)]);
    // Everyone in the group now, the joiners too, says one last thing: proof that they converged.
    const everyone = [...stayers, ...joiners];
    await Promise.all(everyone.map((m) => sendAll(m, "final", 1)));
    const finals = texts.filter((t) => t.startsWith("final "));
    await until(
      "every final message on every device",
      60_000,
      () => everyone.every((m) => finals.every((t) => readable(m, conv).has(t))),
      () => everyone.map((m) => lacking(m, conv, finals)).join(""),
    );
    await sleep(500);
    // A reloaded device shows the newest entries; what its earlier lives read comes back page by page.
    for (const m of everyone) if (m.reloads > 0) await pageToStart(m, conv);

    const check = await checkLog(system.sql(), acks, [conv]);
    const cids = await system.sql().all<{ n: number }>(
      `SELECT COUNT(*) AS n FROM "Message" m JOIN "Conversation" c ON c."id" = m."conversationId"
         WHERE c."key" = ? AND m."clientMsgId" IS NOT NULL GROUP BY m."clientMsgId" HAVING COUNT(*) > 1`,
      [conv],
    );
    const missing = stayers.map((m) => [...ackedTexts].filter((t) => !readable(m, conv).has(t)).length);
    const seqOf = new Map(acks.map((a, i) => [a.seq, i]));
    for (const m of stayers) {
      const gone = [...ackedTexts].filter((t) => !readable(m, conv).has(t));
      if (gone.length === 0) continue;
      const shown = encrypted(m, conv).map((e) => `${e.seq}:${e.e2e}`);
      const all = m.chat.getSnapshot().byId[conv]?.entries.map((e) => `${e.seq}${e.kind[0]}`) ?? [];
      console.log(
        `${m.name} lacks ${gone.join(", ")}\n shows ${shown.join(" ")}\n entries ${all.join(" ")} (${seqOf.size} acked)`,
      );
    }
    const unread = everyone.map((m) => unreadAfterJoin(m, conv).length);
    const undecryptable = everyone.map(undecryptableOf);
    const staleRetries = everyone.reduce((n, m) => n + (m.chat.e2e?.staleRetries ?? 0), 0);
    const kickedRead = finals.filter((t) => readable(kicked, conv).has(t));
    const bodies = await system
      .sql()
      .all<{ body: string }>(`SELECT m."body" AS "body" FROM "Message" m WHERE m."body" LIKE ?`, ["%load %"]);
    report({
      scenario: "e2e group: adds, kick, concurrent sends, chat SIGKILL x2, gateway SIGKILL, reloads",
      sent: texts.length,
      acknowledged: acks.length,
      lost: check.lost,
      duplicates: check.duplicates + cids.length,
      gaps: check.gaps,
      recoveryMs: [],
      peakMiB: system.peaks(),
      extra: {
        devices: everyone.length + 1,
        durationMs: Date.now() - started,
        kills: chat.kills,
        gatewayKills: gateway.kills,
        reloads: everyone.reduce((n, m) => n + m.reloads, 0),
        staleRetries,
        missingOnStayers: missing.join("/"),
        unreadAfterJoin: unread.join("/"),
        undecryptable: undecryptable.join("/"),
        integrity_check: check.integrity,
      },
    });
    expect(chat.kills).toBe(2);
    expect(gateway.kills).toBe(1);
    expect(failures).toEqual([]);
    expect(check.integrity).toBe("ok");
    expect({ lost: check.lost, duplicates: check.duplicates + cids.length, gaps: check.gaps }).toEqual({
      lost: 0,
      duplicates: 0,
      gaps: 0,
    });
    // Every message of the stayers and the owner was acknowledged; the kicked member's before the kick.
    expect(acks.length).toBeGreaterThan(SCALE.members * SCALE.perDevice);
    expect(missing.every((n) => n === 0)).toBe(true);
    expect(unread.every((n) => n === 0)).toBe(true);
    expect(undecryptable.every((n) => n === 0)).toBe(true);
    for (const j of joiners) expect(readable(j, conv).size).toBeGreaterThanOrEqual(finals.length);
    expect(kickedRead).toEqual([]);
    expect(bodies).toEqual([]);
    for (const m of [...everyone, kicked]) m.chat.stop();
  },
  TIMEOUT,
);
