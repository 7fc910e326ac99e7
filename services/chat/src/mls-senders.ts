/**
 * The Delivery Service's sender checks (docs/E2E.md section 3, "The sender checks"): who an MLS
 * message says it is from must be the calling session's device, as far as that can be read
 * without keys (@sealroom/e2e inspectSender), and a commit's Welcome goes exactly to the devices
 * it adds. Every refusal is FORBIDDEN and is raised inside the send transaction before anything is
 * written.
 */
import { inspectMembership, type InspectedAdd, type InspectedLeaf, type InspectedSender } from "@sealroom/e2e";
import { AppError } from "@sealroom/proto/errors";
import type { Access } from "./access.js";
import type { ConvRow, Queries } from "./queries.js";

/** The calling session's registered device (auth's key directory). */
export interface CallerDevice {
  readonly id: string;
  readonly userId: number;
}

/** What the framing says about the sender and the proposals, read in check() (mls.ts). */
export interface SenderFacts {
  readonly kind: "mls.app" | "mls.proposal" | "mls.commit";
  readonly sender: InspectedSender;
  readonly adds: readonly InspectedAdd[];
  readonly removes: readonly number[];
  readonly references: number;
  readonly others: readonly string[];
}

const forbidden = (message: string) => new AppError("FORBIDDEN", message);

const isCaller = (leaf: InspectedLeaf | undefined, caller: CallerDevice) =>
  leaf?.member?.userId === caller.userId && leaf.member.deviceId === caller.id;

/**
 * `leaves`: the current epoch's tree (the GroupInfo the last accepted commit stored), or undefined
 * before the group exists; `founding`: the leaves of the first commit's own GroupInfo (its
 * committer's leaf is checked by assertFounder in mls.ts). `members`: who may post now.
 */
export async function assertSender(
  q: Queries,
  caller: CallerDevice,
  facts: SenderFacts,
  leaves: readonly InspectedLeaf[] | undefined,
  founding: readonly InspectedLeaf[] | undefined,
  members: readonly number[],
): Promise<void> {
  const { sender } = facts;
  switch (sender.kind) {
    case "member": {
      // A member's commit or proposal names its leaf in the tree of the epoch it was made in.
      const tree = leaves ?? founding ?? [];
      if (
        !isCaller(
          tree.find((l) => l.leafIndex === sender.leafIndex),
          caller,
        )
      ) {
        throw forbidden("The MLS sender of a commit or proposal must be the calling device's own leaf.");
      }
      return;
    }
    case "encrypted":
      // A PrivateMessage's sender leaf is encrypted (RFC 9420 section 6.3.2): what can be checked
      // is that the calling device has a leaf in the current epoch's tree at all.
      if (!leaves?.some((l) => isCaller(l, caller))) {
        throw forbidden("Only a device with a leaf in the conversation's group can send into it.");
      }
      return;
    case "external":
      // The server's own proposals (a client may relay one: members verify its signature against
      // the group's external_senders key; mls.ts checks that its Removes are due). An external
      // sender cannot commit (RFC 9420 section 12.4): every member would refuse it.
      if (facts.kind !== "mls.proposal") throw forbidden("An external sender can only propose.");
      return;
    case "new_member_proposal":
      throw forbidden("Sealroom groups take no proposals from non-members.");
    case "new_member_commit":
      await assertExternalCommit(q, caller, facts, sender.joiner, leaves, members);
      return;
    default:
      return sender satisfies never;
  }
}

/**
 * An External Commit (RFC 9420 section 12.4.3.2) is a device joining by itself: its new leaf must
 * be the calling device under its registered key, its user may be in the conversation, and it
 * carries only the ExternalInit and, for a resync, the Remove of this same device's old leaves.
 */
async function assertExternalCommit(
  q: Queries,
  caller: CallerDevice,
  facts: SenderFacts,
  joiner: InspectedAdd | undefined,
  leaves: readonly InspectedLeaf[] | undefined,
  members: readonly number[],
): Promise<void> {
  if (facts.kind !== "mls.commit" || leaves === undefined) {
    throw forbidden("An External Commit joins an existing group only.");
  }
  const device = await q.deviceById.get(caller.id);
  const key = joiner && Buffer.from(joiner.signatureKey).toString("base64url");
  if (
    joiner?.member?.userId !== caller.userId ||
    joiner.member.deviceId !== caller.id ||
    device?.userId !== caller.userId ||
    device.signatureKey !== key
  ) {
    throw forbidden("An External Commit's new leaf must be the calling device under its registered key.");
  }
  if (!members.includes(caller.userId)) {
    throw forbidden("Only a participant's device may join the conversation's group.");
  }
  const onlyInit = facts.others.length === 1 && facts.others[0] === "external_init";
  if (!onlyInit || facts.adds.length > 0 || facts.references > 0) {
    throw forbidden("An External Commit carries one ExternalInit and no Add or proposal reference.");
  }
  for (const index of facts.removes) {
    if (
      !isCaller(
        leaves.find((l) => l.leafIndex === index),
        caller,
      )
    ) {
      throw forbidden("An External Commit may remove only an old leaf of the joining device itself.");
    }
  }
}

/**
 * A commit's Welcome goes to exactly the devices its Adds name (Adds by reference included in
 * neither: no Sealroom client proposes Adds, and a Welcome for them is refused).
 */
export function assertWelcomed(adds: readonly InspectedAdd[], welcomed: readonly string[]): void {
  const added = new Set(adds.map((a) => a.member?.deviceId));
  if (welcomed.length !== added.size || welcomed.some((id) => !added.has(id))) {
    throw forbidden("A commit's Welcome must go to exactly the devices the commit adds.");
  }
}

/**
 * An application message goes only into an epoch whose tree holds every device that belongs
 * there and can be added: each registered device, with a KeyPackage left to claim, of the users
 * who may read the conversation (a DM's two, a group's members). Otherwise a member who has
 * just joined, or a device that has just signed in, would miss what a sender with an old member
 * list encrypts meanwhile (docs/E2E.md section 3, "Membership sync"). GROUP_INCOMPLETE: the
 * sender asks the directory again, adds the devices, and makes the message again.
 */
export async function assertComplete(
  q: Queries,
  access: Access,
  leaves: readonly InspectedLeaf[] | undefined,
): Promise<void> {
  const held = new Set(leaves?.map((l) => l.member?.deviceId));
  const due =
    access.kind === "dm"
      ? await q.addablePairDevices.all(...access.members)
      : await q.addableGroupDevices.all(access.groupId);
  const missing = due.filter((d) => !held.has(d.id)).length;
  if (missing > 0) {
    throw new AppError(
      "GROUP_INCOMPLETE",
      `The conversation's group lacks ${missing} device(s) of its members: add them, then send again.`,
    );
  }
}

/**
 * The leaves of each conversation's current tree, by conversation and epoch. Every send checks
 * its sender against them, and a GroupInfo carries the whole ratchet tree (about 250 bytes per
 * device): parsed once per epoch, not per message. A committed GroupInfo of an epoch never
 * changes (only a commit stores one, for the epoch it creates), so an entry cannot go stale, also
 * with several chat instances. What a job read is remembered only once its transaction committed
 * (`remember` from its `after` hook): a batch can read a GroupInfo an earlier job of the same
 * batch wrote, which a rollback would undo. The oldest entries go past `max`.
 */
export class LeavesCache {
  private readonly byConversation = new Map<number, { epoch: number; leaves: readonly InspectedLeaf[] }>();

  constructor(private readonly max = 1000) {}

  /** The current epoch's leaves (its stored GroupInfo); undefined before the group exists. */
  async current(q: Queries, conv: ConvRow): Promise<readonly InspectedLeaf[] | undefined> {
    if (conv.mlsEpoch === null) return undefined;
    const held = this.byConversation.get(conv.id);
    if (held?.epoch === conv.mlsEpoch) return held.leaves;
    const info = await q.groupInfo.get(conv.id);
    if (!info || info.epoch !== conv.mlsEpoch) return undefined;
    return inspectMembership(new Uint8Array(Buffer.from(info.data, "base64url"))).leaves;
  }

  /** After COMMIT: `leaves` are the committed tree of `conversationId` at `epoch`. */
  remember(conversationId: number, epoch: number, leaves: readonly InspectedLeaf[]): void {
    this.byConversation.delete(conversationId);
    this.byConversation.set(conversationId, { epoch, leaves });
    if (this.byConversation.size > this.max) {
      const oldest = this.byConversation.keys().next().value;
      if (oldest !== undefined) this.byConversation.delete(oldest);
    }
  }
}
