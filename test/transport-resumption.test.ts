/**
 * Transport resumption under a signed-in user, through the whole system (real NATS, auth service,
 * database, two gateways sharing one key): a reconnect resumes the transport session without an RSA
 * operation at either gateway (their metrics), and auth.resume still signs the user in above it.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { PublicUser } from "@sealroom/proto/auth";
import type { SealroomClient } from "@sealroom/sdk/node";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateways: 2 });
});
afterAll(async () => {
  await stack?.stop();
});

async function metric(i: number, name: string, labels = ""): Promise<number> {
  const text = await stack.gatewayMetrics(i);
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}
const rsaAll = async () =>
  (await metric(0, "sealroom_gateway_rsa_decryptions_total")) +
  (await metric(1, "sealroom_gateway_rsa_decryptions_total"));
const acceptedAll = async () =>
  (await metric(0, "sealroom_gateway_resumptions_total", 'outcome="accepted"')) +
  (await metric(1, "sealroom_gateway_resumptions_total", 'outcome="accepted"'));

function signedIn(client: SealroomClient): Promise<PublicUser> {
  return new Promise((resolve) => {
    const off = client.on("signedIn", (user) => {
      off();
      resolve(user);
    });
  });
}

test("a signed-in client reconnects by resumption, on either gateway, and auth.resume signs it in", async () => {
  const c = stack.client({ urls: stack.wsUrls });
  await c.connect();
  const user = await c.register(`resume_${process.pid}`, "correct horse battery staple");
  const rsaBefore = await rsaAll();
  const acceptedBefore = await acceptedAll();

  // Each drop moves to the other gateway: the second resumption uses the ticket the first issued.
  for (let i = 0; i < 2; i++) {
    const back = signedIn(c);
    c.reconnect();
    expect(await back).toMatchObject({ id: user.id });
    expect(c.state).toBe("ready");
    // A signed-in command works on the resumed transport session.
    expect(await c.call("social.overview", {})).toMatchObject({ ok: true });
  }
  expect(await rsaAll()).toBe(rsaBefore);
  expect(await acceptedAll()).toBe(acceptedBefore + 2);
  c.close();
});
