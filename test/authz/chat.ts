/**
 * The chat part of the authorization matrix (run by test/authz-matrix.test.ts): every chat command x {DM participant, non-friend, blocked, group
 * owner, admin, member, former member, non-member, unauthenticated}, through a real gateway with
 * SDK clients, the social state made with the real social commands. Each cell must end with
 * exactly the expected outcome, and the run fails on any unexpected allow.
 *
 * The world:
 *   P and Q are friends; their DM has a message of Q's and two of P's (one to edit, one to delete).
 *   N was never friends with P: the DM dm(N,P) has no entry. B and P were friends, each wrote in
 *   dm(B,P) (B twice), then P blocked B.
 *   Group G: owner O, admin A, member M, each with two messages; F was a member and left; X never
 *   was one (X acts on G).
 * Each actor acts on "their" conversation: P on dm(P,Q), N on dm(N,P), B on dm(B,P), the others on G.
 * Every actor's session has a registered device (a Device row, as auth's key directory stores it),
 * and so does Q's; the MLS cases run last, as the first commits make dm(P,Q) and G end-to-end
 * encrypted: P's commit carries a Welcome for Q's device, which no actor's ack may delete.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Device, decodeExternalSenderDescriptor, type CommitBundle, type CreateGroupOptions } from "@sealroom/e2e";
import { CHAT_COMMANDS, dmConversationId, groupConversationId } from "@sealroom/proto/chat";
import type { CommandType } from "@sealroom/proto/commands";
import { startStack, type Stack } from "../support/stack.js";
import { SOCIAL_STACK, befriend, signUp, type Person } from "../social-helpers.js";
import { groupOf } from "../support/chat.js";
import { callAnonymously, record } from "./matrix.js";

export const CHAT_ROLES = [
  "participant",
  "nonfriend",
  "blocked",
  "owner",
  "admin",
  "member",
  "former",
  "nonmember",
  "unauthenticated",
] as const;
type Role = (typeof CHAT_ROLES)[number];
type Outcome = "ok" | "NOT_FOUND" | "FORBIDDEN" | "CONFLICT" | "NOT_AUTHENTICATED" | "BAD_REQUEST";

/** Per role, the MLS commit it sends in "mls send" (base64url), for its conversation's group. */
const commits = new Map<
  Role,
  { message: string; groupInfo: string; welcome?: { message: string; deviceIds: string[] } }
>();

interface Target {
  conversationId: string;
  /** The actor's own messages (to edit, to delete) and someone else's, where the world has them. */
  editSeq: number;
  deleteSeq: number;
  foreignSeq: number;
  /** Someone else's committed attachment blob (in this conversation where the world has one). */
  foreignBlob?: string;
  /** The actor's own uncommitted blob, where they could start one. */
  ownBlob?: string;
}

/** A committed one-chunk blob (an empty file's sealed chunk: 16 bytes) of `p` in `conversationId`. */
async function blobOf(p: Person, conversationId: string, commit = true): Promise<string> {
  const { blobId } = await p.client.request("chat.blob.start", { conversationId, size: 16 });
  await p.client.request("chat.blob.put", { blobId, index: 0, data: Buffer.alloc(16, 7).toString("base64url") });
  if (commit) await p.client.request("chat.blob.commit", { blobId });
  return blobId;
}

let stack: Stack;
const people = new Map<string, Person>();
const targets = new Map<Role, Target>();

const person = (name: string) => people.get(name)!;
const ACTOR: Record<Exclude<Role, "unauthenticated">, string> = {
  participant: "P",
  nonfriend: "N",
  blocked: "B",
  owner: "O",
  admin: "A",
  member: "M",
  former: "F",
  nonmember: "X",
};

async function say(p: Person, conversationId: string, text: string): Promise<number> {
  return (await p.client.request("chat.send", { conversationId, clientMsgId: `${p.name}-${text}`, text })).seq;
}

async function setUp(): Promise<void> {
  stack = await startStack({ gateways: 1, ...SOCIAL_STACK });
  for (const name of ["P", "Q", "N", "B", "O", "A", "M", "F", "X"])
    people.set(name, await signUp(stack, name.toLowerCase()));
  const id = (n: string) => person(n).user.id;

  await befriend(person("P"), person("Q"));
  const pq = dmConversationId(id("P"), id("Q"));
  const qSeq = await say(person("Q"), pq, "q1");
  targets.set("participant", {
    conversationId: pq,
    foreignSeq: qSeq,
    editSeq: await say(person("P"), pq, "p1"),
    deleteSeq: await say(person("P"), pq, "p2"),
  });

  targets.set("nonfriend", {
    conversationId: dmConversationId(id("N"), id("P")),
    editSeq: 1,
    deleteSeq: 2,
    foreignSeq: 3,
  });

  await befriend(person("B"), person("P"));
  const bp = dmConversationId(id("B"), id("P"));
  const pSeq = await say(person("P"), bp, "p-to-b");
  const bTarget = {
    conversationId: bp,
    foreignSeq: pSeq,
    editSeq: await say(person("B"), bp, "b1"),
    deleteSeq: await say(person("B"), bp, "b2"),
  };
  targets.set("blocked", {
    ...bTarget,
    foreignBlob: await blobOf(person("P"), bp),
    ownBlob: await blobOf(person("B"), bp, false),
  });
  await person("P").social.block(id("B"));

  const groupId = await groupOf(person("O"), [person("A"), person("M"), person("F")], "Matrix");
  await person("O").social.setRole(groupId, id("A"), "admin");
  await person("F").social.leave(groupId);
  const g = groupConversationId(groupId);
  const oEdit = await say(person("O"), g, "o1");
  const own = new Map<string, [number, number]>([["O", [oEdit, await say(person("O"), g, "o2")]]]);
  for (const n of ["A", "M"]) own.set(n, [await say(person(n), g, `${n}1`), await say(person(n), g, `${n}2`)]);
  for (const [role, name] of [
    ["owner", "O"],
    ["admin", "A"],
    ["member", "M"],
  ] as const) {
    const [editSeq, deleteSeq] = own.get(name)!;
    targets.set(role, { conversationId: g, editSeq, deleteSeq, foreignSeq: name === "O" ? own.get("M")![0] : oEdit });
  }
  for (const role of ["former", "nonmember", "unauthenticated"] as const)
    targets.set(role, { conversationId: g, editSeq: oEdit, deleteSeq: oEdit, foreignSeq: oEdit });

  // Attachments: someone else's committed blob in each actor's conversation, and an own upload.
  // N's DM has none (no one may post there): N tries the group's. F left before any was uploaded.
  const pqBlob = await blobOf(person("Q"), pq);
  const oBlob = await blobOf(person("O"), g);
  const mBlob = await blobOf(person("M"), g);
  const foreign: Partial<Record<Role, string>> = {
    participant: pqBlob,
    nonfriend: oBlob,
    owner: mBlob,
    admin: oBlob,
    member: oBlob,
    former: oBlob,
    nonmember: oBlob,
    unauthenticated: oBlob,
  };
  for (const [role, blob] of Object.entries(foreign) as Array<[Role, string]>) {
    const t = targets.get(role)!;
    const own = ["participant", "owner", "admin", "member"].includes(role)
      ? await blobOf(person(ACTOR[role as Exclude<Role, "unauthenticated">]), t.conversationId, false)
      : oBlob;
    targets.set(role, { ...t, foreignBlob: blob, ownBlob: own });
  }

  await prepareMls();
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** A Device row for each person's one session, and a real device of the same id. */
async function registerDevice(name: string): Promise<Device> {
  const userId = person(name).user.id;
  const session = await stack.db.session.findFirstOrThrow({ where: { userId } });
  const deviceId = `matrix-${name}-${userId}`;
  const device = await Device.create({ userId, deviceId });
  // Its real key: the DS admits an Add only of a registered device with its registered key.
  const signatureKey = b64(device.signaturePublicKey);
  await stack.db.device.create({ data: { id: deviceId, userId, sessionId: session.id, signatureKey, name: "matrix" } });
  return device;
}

/**
 * The commits of "mls send": P's establishes dm(P,Q) with a Welcome for Q's device; in G, the
 * owner's (adding the admin's and the member's devices), the admin's and the member's are three
 * epochs of one chain (0, 1, 2), each from the sender's own leaf (the DS checks the MLS sender),
 * so each is the current epoch when its turn comes. Refused roles send a well-formed commit of
 * their conversation.
 */
async function prepareMls(): Promise<void> {
  const devices = new Map<string, Device>();
  for (const name of [...Object.values(ACTOR), "Q"]) devices.set(name, await registerDevice(name));
  const wire = (c: CommitBundle, ...welcomeFor: string[]) => ({
    message: b64(c.commit),
    groupInfo: b64(c.groupInfo),
    ...(welcomeFor.length > 0 && c.welcome ? { welcome: { message: b64(c.welcome), deviceIds: welcomeFor } } : {}),
  });
  // Every group lists the server's external sender, or the DS refuses its commits.
  const { externalSender } = await person("P").client.request("chat.mls.serverSender", {});
  const opts: CreateGroupOptions = {
    externalSenders: [decodeExternalSenderDescriptor(new Uint8Array(Buffer.from(externalSender, "base64url")))],
  };
  const q = devices.get("Q")!;
  const dm = await devices.get("P")!.createGroup(targets.get("participant")!.conversationId, opts);
  const [kp] = await q.createKeyPackages(1);
  commits.set("participant", wire(await dm.addMembers([kp!.bytes]), q.identity.deviceId));
  for (const role of ["nonfriend", "blocked"] as const) {
    const g = await devices.get(ACTOR[role])!.createGroup(targets.get(role)!.conversationId, opts);
    commits.set(role, wire(await g.commitPending()));
  }
  const g = await devices.get("O")!.createGroup(targets.get("owner")!.conversationId, opts);
  const [admin, member] = [devices.get(ACTOR.admin)!, devices.get(ACTOR.member)!];
  const kps = [(await admin.createKeyPackages(1))[0]!.bytes, (await member.createKeyPackages(1))[0]!.bytes];
  const add = await g.addMembers(kps);
  commits.set("owner", wire(add, admin.identity.deviceId, member.identity.deviceId));
  g.mergePendingCommit();
  const ga = await admin.joinFromWelcome(add.welcome!);
  const gm = await member.joinFromWelcome(add.welcome!);
  const byAdmin = await ga.commitPending();
  commits.set("admin", wire(byAdmin));
  ga.mergePendingCommit();
  await gm.processMessage(byAdmin.commit);
  for (const role of ["member", "former", "nonmember", "unauthenticated"] as const) {
    commits.set(role, wire(await gm.commitPending()));
    gm.mergePendingCommit();
  }
}

// A former member reads the span they were there for (review item 15) and writes nothing.
const readers = {
  participant: "ok",
  nonfriend: "ok",
  blocked: "ok",
  owner: "ok",
  admin: "ok",
  member: "ok",
  former: "ok",
  nonmember: "NOT_FOUND",
  unauthenticated: "NOT_AUTHENTICATED",
} as const satisfies Record<Role, Outcome>;
const posters = {
  ...readers,
  nonfriend: "FORBIDDEN",
  blocked: "FORBIDDEN",
  former: "FORBIDDEN",
} as const satisfies Record<Role, Outcome>;

const signedIn = {
  ...readers,
  nonmember: "ok",
} as const satisfies Record<Role, Outcome>;

interface Case {
  name: string;
  type: CommandType & keyof typeof CHAT_COMMANDS;
  body(t: Target, role: Role): unknown;
  expect: Record<Role, Outcome>;
}

let n = 0;
export const CHAT_CASES: Case[] = [
  {
    name: "send",
    type: "chat.send",
    body: (t) => ({ conversationId: t.conversationId, clientMsgId: `matrix-${++n}`, text: "hello" }),
    expect: posters,
  },
  { name: "history", type: "chat.history", body: (t) => ({ conversationId: t.conversationId }), expect: readers },
  {
    name: "sync",
    type: "chat.sync",
    body: (t) => ({ conversationId: t.conversationId, afterSeq: 0 }),
    expect: readers,
  },
  {
    name: "conversations",
    type: "chat.conversations",
    body: () => ({}),
    expect: { ...readers, former: "ok", nonmember: "ok" },
  },
  {
    name: "markRead",
    type: "chat.markRead",
    body: (t) => ({ conversationId: t.conversationId, seq: 1 }),
    expect: readers,
  },
  { name: "receipts", type: "chat.receipts", body: (t) => ({ conversationId: t.conversationId }), expect: readers },
  {
    name: "conversation settings",
    type: "chat.settings.set",
    body: (t) => ({ conversationId: t.conversationId, pinned: true, muted: { until: null } }),
    // The user's own metadata of a conversation they may read (a former member's history too).
    expect: readers,
  },
  { name: "typing", type: "chat.typing", body: (t) => ({ conversationId: t.conversationId }), expect: posters },
  {
    name: "edit own message",
    type: "chat.edit",
    body: (t) => ({ conversationId: t.conversationId, seq: t.editSeq, text: "edited" }),
    // Editing is writing: refused to those who may not post before the target is even looked at.
    expect: posters,
  },
  {
    name: "edit someone else's message",
    type: "chat.edit",
    body: (t) => ({ conversationId: t.conversationId, seq: t.foreignSeq, text: "hijacked" }),
    expect: { ...posters, participant: "FORBIDDEN", owner: "FORBIDDEN", admin: "FORBIDDEN", member: "FORBIDDEN" },
  },
  {
    name: "delete own message",
    type: "chat.delete",
    body: (t) => ({ conversationId: t.conversationId, seq: t.deleteSeq }),
    // Taking one's own words back stays possible after a block.
    expect: { ...readers, nonfriend: "NOT_FOUND", former: "FORBIDDEN" },
  },
  {
    name: "delete someone else's message",
    type: "chat.delete",
    body: (t) => ({ conversationId: t.conversationId, seq: t.foreignSeq }),
    expect: {
      ...readers,
      participant: "FORBIDDEN",
      nonfriend: "NOT_FOUND",
      blocked: "FORBIDDEN",
      owner: "FORBIDDEN",
      admin: "FORBIDDEN",
      member: "FORBIDDEN",
      former: "FORBIDDEN",
    },
  },
];

// Attachments (the blobs were uploaded in setUp). Someone else's blob: its conversation's readers
// get and see it (a former member only blobs from before they left); nobody else may touch it.
const notUploader = {
  participant: "NOT_FOUND",
  nonfriend: "NOT_FOUND",
  blocked: "NOT_FOUND",
  owner: "NOT_FOUND",
  admin: "NOT_FOUND",
  member: "NOT_FOUND",
  former: "NOT_FOUND",
  nonmember: "NOT_FOUND",
  unauthenticated: "NOT_AUTHENTICATED",
} as const satisfies Record<Role, Outcome>;
const blobReaders = { ...readers, nonfriend: "NOT_FOUND", former: "NOT_FOUND" } as const satisfies Record<
  Role,
  Outcome
>;
// An own upload: those who could post when it started (B's began before P's block) finish it.
const uploaders = { ...blobReaders, nonmember: "NOT_FOUND" } as const satisfies Record<Role, Outcome>;
const chunk16 = Buffer.alloc(16, 9).toString("base64url");
CHAT_CASES.push(
  {
    name: "blob start",
    type: "chat.blob.start",
    body: (t) => ({ conversationId: t.conversationId, size: 16 }),
    expect: posters,
  },
  {
    name: "blob get someone else's",
    type: "chat.blob.get",
    body: (t) => ({ blobId: t.foreignBlob!, index: 0 }),
    expect: blobReaders,
  },
  {
    name: "blob status someone else's",
    type: "chat.blob.status",
    body: (t) => ({ blobId: t.foreignBlob! }),
    expect: blobReaders,
  },
  {
    name: "blob put into someone else's",
    type: "chat.blob.put",
    body: (t) => ({ blobId: t.foreignBlob!, index: 0, data: chunk16 }),
    expect: notUploader,
  },
  {
    name: "blob commit someone else's",
    type: "chat.blob.commit",
    body: (t) => ({ blobId: t.foreignBlob! }),
    expect: notUploader,
  },
  {
    name: "blob delete someone else's",
    type: "chat.blob.delete",
    body: (t) => ({ blobId: t.foreignBlob! }),
    expect: notUploader,
  },
  {
    name: "blob put own",
    type: "chat.blob.put",
    body: (t) => ({ blobId: t.ownBlob!, index: 0, data: chunk16 }),
    expect: uploaders,
  },
  {
    name: "blob commit own",
    type: "chat.blob.commit",
    body: (t) => ({ blobId: t.ownBlob! }),
    expect: uploaders,
  },
  {
    name: "blob delete own",
    type: "chat.blob.delete",
    body: (t) => ({ blobId: t.ownBlob! }),
    expect: uploaders,
  },
);

// The history archive: only ever the caller's own. A put is checked against what the caller may
// read first (NOT_FOUND for a conversation they may not), then against the seq, which here is a
// plaintext entry, not an application message: BAD_REQUEST for every reader (a stored entry is
// services/chat/src/backup.test.ts's). A get or delete acts on the caller's own rows, of which nobody has any.
const sealedEntry = Buffer.alloc(28, 5).toString("base64url");
CHAT_CASES.push(
  {
    name: "backup put at a plaintext entry",
    type: "chat.backup.put",
    body: (t) => ({
      conversationId: t.conversationId,
      entries: [{ seq: t.foreignSeq, keyVersion: 1, sealed: sealedEntry }],
    }),
    expect: {
      participant: "BAD_REQUEST",
      nonfriend: "BAD_REQUEST",
      blocked: "BAD_REQUEST",
      owner: "BAD_REQUEST",
      admin: "BAD_REQUEST",
      member: "BAD_REQUEST",
      former: "BAD_REQUEST",
      nonmember: "NOT_FOUND",
      unauthenticated: "NOT_AUTHENTICATED",
    },
  },
  {
    name: "backup get",
    type: "chat.backup.get",
    body: (t) => ({ conversationId: t.conversationId, fromSeq: 1, toSeq: 100 }),
    expect: signedIn,
  },
  // A delete, like a get, touches the caller's own rows only: nothing to delete, nothing refused.
  {
    name: "backup delete",
    type: "chat.backup.delete",
    body: (t) => ({ conversationId: t.conversationId, seqs: [1, 2] }),
    expect: signedIn,
  },
);

// After the plaintext cases: the first commits make dm(P,Q) and G end-to-end encrypted.
CHAT_CASES.push(
  {
    name: "mls send",
    type: "chat.mls.send",
    body: (t, role) => ({ conversationId: t.conversationId, clientMsgId: `matrix-${++n}`, ...commits.get(role)! }),
    expect: posters,
  },
  {
    name: "mls groupInfo",
    type: "chat.mls.groupInfo",
    body: (t) => ({ conversationId: t.conversationId }),
    // N's and B's DMs have no group: NOT_FOUND, as for anyone without one.
    expect: { ...readers, nonfriend: "NOT_FOUND", blocked: "NOT_FOUND", former: "FORBIDDEN" },
  },
  // Anyone signed in learns the server's external sender (it is in every group's GroupInfo anyway).
  { name: "mls serverSender", type: "chat.mls.serverSender", body: () => ({}), expect: signedIn },
  // The inbox is the calling device's: every signed-in device has one (these have none waiting).
  { name: "mls welcomes", type: "chat.mls.welcomes", body: () => ({}), expect: signedIn },
  {
    name: "mls ackWelcomes",
    type: "chat.mls.ackWelcomes",
    // Every id there is: each device's ack deletes its own rows only (Q's Welcome stays).
    body: () => ({ ids: Array.from({ length: 50 }, (_, i) => i + 1) }),
    expect: signedIn,
  },
);

/** Registers the chat matrix's tests (with their own stack) in the calling test file. */
export function defineChatMatrix(): void {
  describe("chat authorization matrix", () => {
    beforeAll(setUp);
    afterAll(async () => {
      await stack?.stop();
    });

    test("covers every chat command", () => {
      expect(new Set(CHAT_CASES.map((c) => c.type))).toEqual(new Set(Object.keys(CHAT_COMMANDS)));
    });

    test("every command x every role: exactly the expected outcome, 0 unexpected allows", async () => {
      const mismatches: string[] = [];
      let unexpectedAllows = 0;
      let cells = 0;
      for (const c of CHAT_CASES) {
        for (const role of CHAT_ROLES) {
          const body = c.body(targets.get(role)!, role);
          const result =
            role === "unauthenticated"
              ? await callAnonymously(stack, c.type, body)
              : await person(ACTOR[role]).client.call(c.type, body);
          const got: string = result.ok ? "ok" : result.error.code;
          cells++;
          record({
            family: "chat",
            command: c.type === c.name ? c.type : `${c.type} (${c.name})`,
            role,
            expected: c.expect[role],
            got,
          });
          if (got !== c.expect[role]) {
            mismatches.push(`${c.name} as ${role}: expected ${c.expect[role]}, got ${got}`);
            if (got === "ok") unexpectedAllows++;
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(unexpectedAllows).toBe(0);
      expect(cells).toBe(CHAT_CASES.length * CHAT_ROLES.length);
    });

    test("refused commands left no trace: former and non-members' sends and edits are not in the group", async () => {
      const g = targets.get("owner")!.conversationId;
      const page = await person("O").client.request("chat.history", { conversationId: g, limit: 200 });
      const senders = new Set(
        page.entries.flatMap((e) =>
          e.kind === "text" || e.kind === "edit" || e.kind === "delete" ? [e.senderId] : [],
        ),
      );
      expect(senders.has(person("F").user.id)).toBe(false);
      expect(senders.has(person("X").user.id)).toBe(false);
      expect(page.entries.some((e) => e.kind === "text" && e.text === "hijacked")).toBe(false);
      // Q's Welcome survived every actor's ack; Q's own device still finds it.
      const q = await stack.db.mlsWelcome.findMany({ where: { deviceId: { startsWith: "matrix-Q-" } } });
      expect(q).toHaveLength(1);
    });
  });
}
