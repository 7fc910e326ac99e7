/**
 * The key directory through the whole stack (gateway, auth, social; SDK clients): the gateway
 * routes auth.keys.* to auth by the registry alone, the largest upload a device makes (100
 * one-time KeyPackages and a last-resort one) fits the 64 KiB message limit, and a friend claims;
 * a registration is announced to the user's audience only.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { Device } from "@sealroom/e2e";
import { KEYS_EVENTS, KEYS_LIMITS } from "@sealroom/proto/keys";
import { MAX_MESSAGE_BYTES } from "@sealroom/proto/wire";
import { startStack, type Stack } from "./support/stack.js";
import { befriend, SOCIAL_STACK, signUp, type Person } from "./social-helpers.js";
import { groupOf, until } from "./support/chat.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(SOCIAL_STACK);
});
afterAll(() => stack?.stop());

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

test("a device registers, uploads a full batch through the gateway, and a friend claims from it", async () => {
  const alice = await signUp(stack, "kdA");
  const bob = await signUp(stack, "kdB");
  await befriend(alice, bob);

  const keys = await Device.generateSignatureKeyPair();
  const { deviceId } = await alice.client.request("auth.keys.registerDevice", {
    signatureKey: b64(keys.publicKey),
    name: "Node SDK",
  });
  const device = await Device.create({ userId: alice.user.id, deviceId }, {}, keys);
  const oneTime = await device.createKeyPackages(KEYS_LIMITS.uploadMax);
  const last = await device.createLastResortKeyPackage();
  const body = { keyPackages: oneTime.map((kp) => b64(kp.bytes)), lastResort: b64(last.bytes) };
  const command = JSON.stringify({ t: "cmd", id: 1, type: "auth.keys.uploadKeyPackages", body });
  // Room to spare: KeyPackages vary by a few bytes (GREASE values in their capabilities).
  expect(Buffer.byteLength(command)).toBeLessThan(MAX_MESSAGE_BYTES * 0.8);

  expect(await alice.client.request("auth.keys.uploadKeyPackages", body)).toEqual({
    oneTime: KEYS_LIMITS.uploadMax,
    lastResort: true,
  });
  const { devices } = await bob.client.request("auth.keys.devices", { userId: alice.user.id });
  expect(devices.map((d) => [d.deviceId, d.signatureKey, d.name])).toEqual([
    [deviceId, b64(keys.publicKey), "Node SDK"],
  ]);
  const claimed = await bob.client.request("auth.keys.claim", { userId: alice.user.id });
  expect(claimed.missing).toEqual([]);
  expect(claimed.keyPackages).toHaveLength(1);
  expect(claimed.keyPackages[0]).toMatchObject({ deviceId, lastResort: false });
  expect(await alice.client.request("auth.keys.stock", {})).toEqual({ oneTime: 99, lastResort: true });
});

test("registering a device tells the user, friends and group co-members (auth.keys.devices.changed.v1), no one else", async () => {
  const alice = await signUp(stack, "kdOwner");
  const bob = await signUp(stack, "kdMember");
  const carol = await signUp(stack, "kdJoiner");
  const dave = await signUp(stack, "kdStranger");
  // Alice befriends both and makes a group of three: bob and carol are co-members, not friends.
  await groupOf(alice, [bob, carol]);
  const told = (p: Person) =>
    p.events.filter(
      (e) =>
        e.type === "auth.keys.devices.changed.v1" &&
        KEYS_EVENTS["auth.keys.devices.changed.v1"].safeParse(e.body).data?.userId === carol.user.id,
    ).length;
  const keys = await Device.generateSignatureKeyPair();
  await carol.client.request("auth.keys.registerDevice", { signatureKey: b64(keys.publicKey), name: "Node SDK" });
  await until(() => [carol, alice, bob].every((p) => told(p) === 1), "the audience told", 10_000);
  // Dave's connection answers a command after the publish reached his gateway: nothing for him.
  await dave.client.request("auth.keys.devices", { userId: dave.user.id });
  expect(told(dave)).toBe(0);
  expect(dave.events.some((e) => e.type === "auth.keys.devices.changed.v1")).toBe(false);
});
