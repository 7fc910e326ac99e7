/**
 * The key directory's part of the authorization matrix (run by test/authz-matrix.test.ts): every
 * auth.keys.* and auth.backup.* command x {unauthenticated, self, friend, group co-member,
 * stranger}, through a real gateway, auth and social services, with SDK clients and real
 * @sealroom/e2e devices.
 *
 * The world: T holds a device (on its own session T0) with one-time and last-resort KeyPackages.
 * F is T's friend; G is in a group with T; S is neither. Each signed-in role acts from a session of
 * its own with a device of its own ("self" is a second session of T), so the commands on one's own
 * device are allowed to every role, and what differs is who may see and claim T's devices. Claims
 * always succeed for the allowed (the last-resort package stays), so cells cannot affect each other.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Device, type SignatureKeyPair } from "@sealroom/e2e";
import { BACKUP_AUTH_COMMANDS } from "@sealroom/proto/backup";
import { KEYS_COMMANDS } from "@sealroom/proto/keys";
import type { SealroomClient } from "@sealroom/sdk/node";
import { startStack, type Stack } from "../support/stack.js";
import { befriend, password, SOCIAL_STACK, signUp, type Person } from "../social-helpers.js";
import { callAnonymously, record } from "./matrix.js";

export const KEYS_ROLES = ["unauthenticated", "self", "friend", "comember", "stranger"] as const;
type Role = (typeof KEYS_ROLES)[number];
type Actor = Exclude<Role, "unauthenticated">;
type Outcome = "ok" | "NOT_AUTHENTICATED" | "NOT_FOUND" | "KEY_PACKAGE_INVALID";

/** A backup key check (32 bytes, base64url): the server only stores it. */
const backupCheck = "c".repeat(43);

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** A signed-in session with a registered device. */
interface Holder {
  client: SealroomClient;
  userId: number;
  device: Device;
}

interface World {
  /** T's device, on T0. */
  target: Holder;
  /** T, to sign in more sessions of theirs. */
  targetPerson: Person;
  /** The acting session of each signed-in role. */
  actors: Record<Actor, Holder>;
}

interface Case {
  type: keyof typeof KEYS_COMMANDS | keyof typeof BACKUP_AUTH_COMMANDS;
  name: string;
  /** The body for `actor` (undefined when unauthenticated: any well-formed body). */
  body(w: World, actor: Holder | undefined): Promise<unknown>;
  expect: Record<Role, Outcome>;
}

const own: Record<Role, Outcome> = {
  unauthenticated: "NOT_AUTHENTICATED",
  self: "ok",
  friend: "ok",
  comember: "ok",
  stranger: "ok",
};
const audience: Record<Role, Outcome> = { ...own, stranger: "NOT_FOUND" };
/** Only T (from another session) may rename or sign out T's devices; to anyone else they do not exist. */
const ownDevices: Record<Role, Outcome> = {
  unauthenticated: "NOT_AUTHENTICATED",
  self: "ok",
  friend: "NOT_FOUND",
  comember: "NOT_FOUND",
  stranger: "NOT_FOUND",
};

export const KEYS_CASES: Case[] = [
  {
    type: "auth.keys.registerDevice",
    name: "auth.keys.registerDevice",
    // The actor's own key again: registering is idempotent, so the world stays as it is.
    body: async (w, actor) => ({ signatureKey: b64((actor ?? w.target).device.signaturePublicKey), name: "Laptop" }),
    expect: own,
  },
  {
    type: "auth.keys.uploadKeyPackages",
    name: "the actor's own device's",
    body: async (w, actor) => ({
      keyPackages: (await (actor ?? w.target).device.createKeyPackages(2)).map((kp) => b64(kp.bytes)),
    }),
    expect: own,
  },
  {
    type: "auth.keys.uploadKeyPackages",
    name: "for T's device",
    body: async (w) => ({ keyPackages: (await w.target.device.createKeyPackages(1)).map((kp) => b64(kp.bytes)) }),
    expect: {
      unauthenticated: "NOT_AUTHENTICATED",
      self: "KEY_PACKAGE_INVALID",
      friend: "KEY_PACKAGE_INVALID",
      comember: "KEY_PACKAGE_INVALID",
      stranger: "KEY_PACKAGE_INVALID",
    },
  },
  { type: "auth.keys.stock", name: "auth.keys.stock", body: async () => ({}), expect: own },
  {
    type: "auth.keys.devices",
    name: "of T",
    body: async (w) => ({ userId: w.target.userId }),
    expect: audience,
  },
  {
    type: "auth.keys.devices",
    name: "of an unknown user",
    body: async () => ({ userId: 2 ** 31 - 1 }),
    expect: { ...audience, self: "NOT_FOUND", friend: "NOT_FOUND", comember: "NOT_FOUND" },
  },
  {
    type: "auth.keys.renameDevice",
    name: "T's device",
    // The name it has: a rename that succeeds changes nothing the other cells see.
    body: async (w) => ({ deviceId: w.target.device.identity.deviceId, name: "Phone" }),
    expect: ownDevices,
  },
  {
    type: "auth.keys.removeDevice",
    name: "a device of T's",
    // A fresh session and device of T's for each cell, so that the allowed removal takes nothing
    // another cell needs and a refusal is about who asks, not about a device already gone.
    body: async (w) => ({
      deviceId: (await holder(await secondSession(w.targetPerson), w.target.userId)).device.identity.deviceId,
    }),
    expect: ownDevices,
  },
  {
    type: "auth.keys.removeDevice",
    name: "an unknown device",
    body: async () => ({ deviceId: "A".repeat(22) }),
    expect: { ...ownDevices, self: "NOT_FOUND" },
  },
  { type: "auth.keys.claim", name: "of T", body: async (w) => ({ userId: w.target.userId }), expect: audience },
  {
    type: "auth.keys.claim",
    name: "of T's device by id",
    body: async (w) => ({ userId: w.target.userId, deviceIds: [w.target.device.identity.deviceId] }),
    expect: audience,
  },
  // The history backup's key: always the caller's own (no command names another user), so each
  // role creates, reads and changes its own; T's is made by "self" (T's other session).
  {
    type: "auth.backup.create",
    name: "the caller's first key",
    body: async () => ({ version: 1, check: backupCheck, passphrase: null }),
    expect: own,
  },
  { type: "auth.backup.status", name: "auth.backup.status", body: async () => ({}), expect: own },
  {
    type: "auth.backup.setPassphrase",
    name: "removing the caller's",
    body: async () => ({ version: 1, passphrase: null }),
    expect: own,
  },
  {
    type: "auth.backup.deviceMessage",
    name: "to all the caller's other devices",
    body: async () => ({ toDeviceId: null, body: "hello" }),
    expect: own,
  },
  {
    type: "auth.backup.deviceMessage",
    name: "to T's device",
    // Only T's own devices reach each other; to anyone else T's device does not exist.
    body: async (w) => ({ toDeviceId: w.target.device.identity.deviceId, body: "hello" }),
    expect: ownDevices,
  },
];

let stack: Stack;
let world: World;

async function holder(client: SealroomClient, userId: number): Promise<Holder> {
  const keys: SignatureKeyPair = await Device.generateSignatureKeyPair();
  const r = await client.call("auth.keys.registerDevice", { signatureKey: b64(keys.publicKey), name: "Phone" });
  if (!r.ok) throw new Error(`registerDevice failed: ${r.error.code}`);
  return { client, userId, device: await Device.create({ userId, deviceId: r.value.deviceId }, {}, keys) };
}

async function secondSession(person: Person): Promise<SealroomClient> {
  const client = stack.client();
  await client.connect();
  await client.login(person.name, password);
  return client;
}

async function buildWorld(): Promise<World> {
  const [t, f, g, s] = [
    await signUp(stack, "kT"),
    await signUp(stack, "kF"),
    await signUp(stack, "kG"),
    await signUp(stack, "kS"),
  ];
  await befriend(t, f);
  const group = await t.social.createGroup("keys");
  const invitation = await t.social.invite(group.group.id, g.user.id);
  await g.social.acceptInvitation(invitation.id);

  const target = await holder(t.client, t.user.id);
  const kps = await target.device.createKeyPackages(3);
  const last = await target.device.createLastResortKeyPackage();
  const up = await t.client.call("auth.keys.uploadKeyPackages", {
    keyPackages: kps.map((kp) => b64(kp.bytes)),
    lastResort: b64(last.bytes),
  });
  if (!up.ok) throw new Error(`upload failed: ${up.error.code}`);
  return {
    target,
    targetPerson: t,
    actors: {
      self: await holder(await secondSession(t), t.user.id),
      friend: await holder(f.client, f.user.id),
      comember: await holder(g.client, g.user.id),
      stranger: await holder(s.client, s.user.id),
    },
  };
}

/** Registers the key directory matrix's tests (with their own stack) in the calling test file. */
export function defineKeysMatrix(): void {
  describe("key directory authorization matrix", () => {
    beforeAll(async () => {
      stack = await startStack(SOCIAL_STACK);
      world = await buildWorld();
    });
    afterAll(async () => {
      await stack?.stop();
    });

    test("covers every key directory and backup key command", () => {
      expect(new Set(KEYS_CASES.map((c) => c.type))).toEqual(
        new Set([...Object.keys(KEYS_COMMANDS), ...Object.keys(BACKUP_AUTH_COMMANDS)]),
      );
    });

    test("every command x role: exactly the expected outcome, 0 unexpected allows", async () => {
      const mismatches: string[] = [];
      for (const c of KEYS_CASES) {
        for (const role of KEYS_ROLES) {
          const actor = role === "unauthenticated" ? undefined : world.actors[role];
          const body = await c.body(world, actor);
          const result = actor ? await actor.client.call(c.type, body) : await callAnonymously(stack, c.type, body);
          const got = result.ok ? "ok" : result.error.code;
          record({
            family: "keys",
            command: c.type === c.name ? c.type : `${c.type} (${c.name})`,
            role,
            expected: c.expect[role],
            got,
          });
          if (got !== c.expect[role])
            mismatches.push(`${c.type} (${c.name}) as ${role}: expected ${c.expect[role]}, got ${got}`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  });
}
