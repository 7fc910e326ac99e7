/**
 * Session resumption (docs/PROTOCOL.md section 4.8) on the node backend: which tickets a gateway
 * accepts, that a refusal always leads to a working full handshake on the same connection, and
 * what fails the handshake instead. The byte-exact case on both backends is in vectors.test.ts.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { CLOSE } from "../close-codes.js";
import { SUITES, type ServerKey } from "./backend.js";
import { FRAME } from "./frames.js";
import { utf8 } from "./bytes.js";
import { ClientHandshake, ServerHandshake } from "./handshake.js";
import { generateServerKeyPem, nodeBackend, nodeServerKey } from "./node.js";
import { SessionError } from "./errors.js";
import { DAY, attempt, authority, fullSession } from "./test/resumption.js";

let key: ServerKey;
let otherKey: ServerKey;
beforeAll(() => {
  key = nodeServerKey(generateServerKeyPem(2048));
  otherKey = nodeServerKey(generateServerKeyPem(2048));
});

const T0 = Date.UTC(2026, 5, 1, 10, 0, 0);

async function expectHandshakeFailed(p: Promise<unknown>): Promise<void> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SessionError);
  expect((err as SessionError).closeCode).toBe(CLOSE.HANDSHAKE_FAILED);
}

describe("a resumption", () => {
  test.each([SUITES.X25519_AES256GCM_SHA256, SUITES.P256_AES256GCM_SHA256])(
    "suite %i: skips the RSA decryption, works, and yields new secrets and a new ticket",
    async (suite) => {
      const offer = await fullSession(
        key,
        authority(key, () => T0),
        suite,
      );
      let decryptions = 0;
      const counting: ServerKey = { ...key, decrypt: (c) => (decryptions++, key.decrypt(c)) };
      const a = await attempt(
        counting,
        authority(key, () => T0 + 1000),
        offer,
      );
      expect(a.refused).toBe(false);
      expect(a.client.resumed && a.server.resumed).toBe(true);
      expect(decryptions).toBe(0);
      const [frame] = await a.clientChannel.seal(FRAME.DATA, utf8("hello"));
      expect((await a.serverChannel.open(frame!)).type).toBe(FRAME.DATA);
      expect(a.client.secrets!.resumption).toEqual(a.server.secrets!.resumption);
      expect(a.client.secrets!.resumption).not.toEqual(offer.resumption);
      const next = await a.server.issueTicket();
      expect(next!.ticket).not.toBe(Buffer.from(offer.ticket).toString("hex"));
    },
  );

  test("two resumptions with the same ticket get different keys (fresh ECDH each time)", async () => {
    const offer = await fullSession(
      key,
      authority(key, () => T0),
    );
    const a = await attempt(
      key,
      authority(key, () => T0),
      offer,
    );
    const b = await attempt(
      key,
      authority(key, () => T0),
      offer,
    );
    expect(a.refused || b.refused).toBe(false);
    expect(a.client.secrets!.master).not.toEqual(b.client.secrets!.master);
  });

  test("a ticket of the previous key period is accepted, one two periods old is refused", async () => {
    const offer = await fullSession(
      key,
      authority(key, () => T0, { lifetimeMs: DAY, rotationMs: DAY }),
    );
    const period = Math.floor(T0 / DAY);
    // Just inside the next period and still within the lifetime.
    const nextPeriod = (period + 1) * DAY + 1;
    const old = T0 + 1;
    expect(nextPeriod - old).toBeLessThan(DAY);
    expect(
      (
        await attempt(
          key,
          authority(key, () => nextPeriod),
          offer,
        )
      ).refused,
    ).toBe(false);
    const shortPolicy = { lifetimeMs: 1000, rotationMs: 1000 };
    const quick = await fullSession(
      key,
      authority(key, () => T0, shortPolicy),
    );
    expect(
      (
        await attempt(
          key,
          authority(key, () => T0 + 500, shortPolicy),
          quick,
        )
      ).refused,
    ).toBe(false);
    expect(
      (
        await attempt(
          key,
          authority(key, () => T0 + 2500, shortPolicy),
          quick,
        )
      ).refused,
    ).toBe(true);
  });

  test.each([
    ["an expired ticket", (o: Awaited<ReturnType<typeof fullSession>>) => o, () => authority(key, () => T0 + DAY)],
    [
      "another gateway key's ticket",
      (o: Awaited<ReturnType<typeof fullSession>>) => o,
      () => authority(otherKey, () => T0 + 1000),
    ],
    [
      "a ticket under a shorter configured lifetime",
      (o: Awaited<ReturnType<typeof fullSession>>) => o,
      () => authority(key, () => T0 + 1000, { lifetimeMs: 60_000, rotationMs: DAY }),
    ],
    [
      "a wrong resumption secret (bad binder)",
      (o: Awaited<ReturnType<typeof fullSession>>) => ({ ...o, resumption: new Uint8Array(32).fill(7) }),
      () => authority(key, () => T0 + 1000),
    ],
    [
      "a ticket of another suite",
      (o: Awaited<ReturnType<typeof fullSession>>) => ({ ...o, suite: SUITES.P256_AES256GCM_SHA256 }),
      () => authority(key, () => T0 + 1000),
    ],
    [
      "a ticket of an unknown format or length",
      (o: Awaited<ReturnType<typeof fullSession>>) => ({ ...o, ticket: new Uint8Array(100).fill(1) }),
      () => authority(key, () => T0 + 1000),
    ],
  ])("%s is refused and the connection completes a full handshake", async (_what, change, tickets) => {
    const offer = change(
      await fullSession(
        key,
        authority(key, () => T0),
      ),
    );
    let decryptions = 0;
    const counting: ServerKey = { ...key, decrypt: (c) => (decryptions++, key.decrypt(c)) };
    const a = await attempt(counting, tickets(), offer);
    expect(a.refused).toBe(true);
    expect(a.client.resumed || a.server.resumed).toBe(false);
    expect(decryptions).toBe(1);
    expect(a.client.secrets!.master).toEqual(a.server.secrets!.master);
  });

  test("the refusal is one fixed two-byte frame", async () => {
    const offer = await fullSession(
      key,
      authority(key, () => T0),
    );
    const client = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {}, resumption: () => offer });
    const server = new ServerHandshake({
      backend: nodeBackend,
      serverKey: key,
      tickets: authority(key, () => T0 + DAY),
    });
    const out = await server.onHello(await client.onServerKey(server.serverKeyFrame));
    expect(out).toEqual({ refused: new Uint8Array([1, FRAME.RESUME_REFUSED]) });
  });

  test("a gateway without tickets, a second ResumeHello after a refusal, and a wrong key id fail the handshake", async () => {
    const offer = await fullSession(
      key,
      authority(key, () => T0),
    );
    const hello = async (server: ServerHandshake) =>
      new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {}, resumption: () => offer }).onServerKey(
        server.serverKeyFrame,
      );
    const plain = new ServerHandshake({ backend: nodeBackend, serverKey: key });
    await expectHandshakeFailed(plain.onHello(await hello(plain)));

    const expired = new ServerHandshake({
      backend: nodeBackend,
      serverKey: key,
      tickets: authority(key, () => T0 + DAY),
    });
    const first = await hello(expired);
    expect("refused" in (await expired.onHello(first))).toBe(true);
    await expectHandshakeFailed(expired.onHello(first));

    const other = new ServerHandshake({
      backend: nodeBackend,
      serverKey: otherKey,
      tickets: authority(otherKey, () => T0),
    });
    await expectHandshakeFailed(
      other.onHello(await hello(new ServerHandshake({ backend: nodeBackend, serverKey: key }))),
    );
  });

  test("a client that did not offer a ticket fails on ResumeRefused", async () => {
    const client = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {} });
    const server = new ServerHandshake({ backend: nodeBackend, serverKey: key });
    await client.onServerKey(server.serverKeyFrame);
    await expectHandshakeFailed(client.onServerHello(new Uint8Array([1, FRAME.RESUME_REFUSED])));
  });
});
