/** Handshake and record-layer negatives through a real gateway: each ends with its documented close code. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startNats, type NatsServer } from "@sealroom/testkit";
import { CLOSE } from "@sealroom/proto/close-codes";
import { FRAME, ClientHandshake, SessionError, decodeServerKey } from "@sealroom/proto/session";
import { nodeBackend } from "@sealroom/proto/session/node";
import { createNodeClient, KeyMismatchError } from "@sealroom/sdk/node";
import { RawClient } from "./test/rawclient.js";
import { pooledTestServerKey, startGateway, testServerKey, type TestGateway } from "./test/harness.js";
import os from "node:os";
import path from "node:path";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";

let nats: NatsServer;
let gw: TestGateway;

beforeAll(async () => {
  nats = await startNats();
  gw = await startGateway(nats.url, { handshakeTimeoutMs: 1500 });
});
afterAll(async () => {
  await gw?.stop();
  await nats?.stop();
});

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const out = bytes.slice();
  out[index]! ^= 0x01;
  return out;
}

async function connected(): Promise<RawClient> {
  const c = new RawClient(gw.wsUrl);
  await c.opened();
  return c;
}

describe("handshake", () => {
  test("a complete handshake yields a working channel", async () => {
    const c = await RawClient.connect(gw.wsUrl);
    await c.command(1, "no.such.command", {});
    expect(await c.receive()).toMatchObject({ t: "reply", id: 1, ok: false, error: { code: "UNKNOWN_COMMAND" } });
    c.ws.close();
  });

  test.each([
    ["version byte", 0],
    ["suite byte", 2],
    ["key id", 40],
    ["encrypted secret", 120],
  ])("a ClientHello with a flipped %s is refused with HANDSHAKE_FAILED", async (_what, index) => {
    const c = await connected();
    await expect(c.handshake((h) => flip(h, index))).rejects.toThrow();
    expect((await c.closed).code).toBe(CLOSE.HANDSHAKE_FAILED);
  });

  test("a ClientHello whose random was altered in transit fails key confirmation", async () => {
    // The gateway derives keys from what it received; the client from what it sent: the client
    // rejects ServerFinished, so no credential is ever sent on such a channel.
    const c = await connected();
    const err = await c.handshake((h) => flip(h, 5)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionError);
    expect((err as SessionError).closeCode).toBe(CLOSE.HANDSHAKE_FAILED);
    c.ws.close();
  });

  test("a truncated ClientHello is refused", async () => {
    const c = await connected();
    await expect(c.handshake((h) => h.subarray(0, h.length - 1))).rejects.toThrow();
    expect((await c.closed).code).toBe(CLOSE.HANDSHAKE_FAILED);
  });

  test("a forged ClientFinished is refused", async () => {
    const c = await connected();
    const hs = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {} });
    c.send(await hs.onServerKey(await c.next()));
    await hs.onServerHello(await c.next());
    const { clientFinished } = await hs.onServerFinished(await c.next());
    c.send(flip(clientFinished, clientFinished.length - 1));
    expect((await c.closed).code).toBe(CLOSE.HANDSHAKE_FAILED);
  });

  test("a tampered ServerHello is detected by the client", async () => {
    const c = await connected();
    const hs = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {} });
    c.send(await hs.onServerKey(await c.next()));
    const serverHello = await c.next();
    await hs.onServerHello(flip(serverHello, 10)); // inside s_random
    await expect(hs.onServerFinished(await c.next())).rejects.toMatchObject({ closeCode: CLOSE.HANDSHAKE_FAILED });
    c.ws.close();
  });

  test("a frame larger than 4 KiB before the handshake completes closes with 1009", async () => {
    const c = await connected();
    await c.next();
    c.send(new Uint8Array(5000));
    expect((await c.closed).code).toBe(CLOSE.TOO_BIG);
  });

  test("a text frame closes with PROTOCOL_ERROR", async () => {
    const c = await connected();
    await c.next();
    c.send("hello");
    expect((await c.closed).code).toBe(CLOSE.PROTOCOL_ERROR);
  });

  test("no sign-in within the deadline closes with HANDSHAKE_TIMEOUT", async () => {
    const c = await RawClient.connect(gw.wsUrl);
    expect((await c.closed).code).toBe(CLOSE.HANDSHAKE_TIMEOUT);
  });

  test("the announced key is what /server-key publishes", async () => {
    const c = await connected();
    const spki = decodeServerKey(await c.next());
    const res = (await (await fetch(`http://127.0.0.1:${gw.gateway.port}/server-key`)).json()) as { spki: string };
    expect(Buffer.from(spki).toString("base64")).toBe(res.spki);
    c.ws.close();
  });
});

describe("records after the handshake", () => {
  const ready = (): Promise<RawClient> => RawClient.connect(gw.wsUrl);
  const ping = (id: number) => ({ t: "cmd", id, type: "no.such.command", body: {} });

  test("a replayed frame closes with DECRYPT_FAILED", async () => {
    const c = await ready();
    const f = await c.seal(ping(1));
    c.send(f);
    await c.receive();
    c.send(f);
    expect((await c.closed).code).toBe(CLOSE.DECRYPT_FAILED);
  });

  test("reordered frames close with DECRYPT_FAILED", async () => {
    const c = await ready();
    const a = await c.seal(ping(1));
    const b = await c.seal(ping(2));
    c.send(b);
    c.send(a);
    expect((await c.closed).code).toBe(CLOSE.DECRYPT_FAILED);
  });

  test("a skipped frame closes with DECRYPT_FAILED", async () => {
    const c = await ready();
    await c.seal(ping(1)); // never sent
    c.send(await c.seal(ping(2)));
    expect((await c.closed).code).toBe(CLOSE.DECRYPT_FAILED);
  });

  test.each([1, 5, 12, 40])("a bit flip at byte %i closes with DECRYPT_FAILED", async (index) => {
    const c = await ready();
    c.send(flip(await c.seal(ping(1)), index));
    expect((await c.closed).code).toBe(CLOSE.DECRYPT_FAILED);
  });

  test("a frame under the other direction's key (reflection) closes with DECRYPT_FAILED", async () => {
    const c = await connected();
    const hs = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {} });
    c.send(await hs.onServerKey(await c.next()));
    await hs.onServerHello(await c.next());
    const serverFinished = await c.next();
    const { clientFinished } = await hs.onServerFinished(serverFinished);
    c.send(clientFinished);
    // The server's own seq-0 Finished frame, sent back: wrong key and wrong seq for c2s.
    c.send(serverFinished);
    expect((await c.closed).code).toBe(CLOSE.DECRYPT_FAILED);
  });

  test("malformed JSON inside a valid frame closes with PROTOCOL_ERROR", async () => {
    const c = await ready();
    c.send(await c.seal("{not json"));
    expect((await c.closed).code).toBe(CLOSE.PROTOCOL_ERROR);
  });

  test("a message that is not a command closes with PROTOCOL_ERROR", async () => {
    const c = await ready();
    c.send(await c.seal({ t: "cmd", type: "auth.login" }));
    expect((await c.closed).code).toBe(CLOSE.PROTOCOL_ERROR);
  });

  test("a second Finished record closes with PROTOCOL_ERROR", async () => {
    const c = await ready();
    const [f] = await c.channel!.seal(FRAME.FINISHED, new Uint8Array(32));
    c.send(f!);
    expect((await c.closed).code).toBe(CLOSE.PROTOCOL_ERROR);
  });

  test("an anonymous connection's frame over 16 KiB closes with 1009", async () => {
    const c = await ready();
    c.send(
      await c.seal({ t: "cmd", id: 1, type: "auth.login", body: { username: "x".repeat(20_000), password: "y" } }),
    );
    expect((await c.closed).code).toBe(CLOSE.TOO_BIG);
  });

  test("a user command before sign-in is answered NOT_AUTHENTICATED and the connection survives", async () => {
    const c = await ready();
    await c.command(1, "auth.logout", {});
    expect(await c.receive()).toMatchObject({ id: 1, ok: false, error: { code: "NOT_AUTHENTICATED" } });
    await c.command(2, "auth.login", { username: 5 });
    expect(await c.receive()).toMatchObject({ id: 2, ok: false, error: { code: "BAD_REQUEST" } });
    // zod's length checks throw on this value (found by the command fuzz suite): still BAD_REQUEST.
    await c.command(3, "auth.login", { username: { length: { toString: false } }, password: "y" });
    expect(await c.receive()).toMatchObject({ id: 3, ok: false, error: { code: "BAD_REQUEST" } });
    c.ws.close();
  });

  test("key updates rotate the keys and the session continues", async () => {
    const c = await connected();
    const hs = new ClientHandshake({
      backend: nodeBackend,
      verifyServerKey: () => {},
      limits: { maxFrames: 2, maxBytes: 2 ** 34, maxAgeMs: 3_600_000 },
    });
    c.send(await hs.onServerKey(await c.next()));
    await hs.onServerHello(await c.next());
    const { clientFinished, channel } = await hs.onServerFinished(await c.next());
    c.send(clientFinished);
    c.channel = channel;
    for (let id = 1; id <= 5; id++) {
      const frames = await channel.seal(FRAME.DATA, new TextEncoder().encode(JSON.stringify(ping(id))));
      for (const f of frames) c.send(f);
      expect(await c.receive()).toMatchObject({ id, error: { code: "UNKNOWN_COMMAND" } });
    }
    expect(channel.keyUpdates.sent).toBe(2);
    c.ws.close();
  });
});

describe("upgrade and pinning", () => {
  test("malformed or abandoned upgrades do not hold connection slots", async () => {
    // ws answers a bad Sec-WebSocket-Key with 400 without calling handleUpgrade's callback, so its
    // reservation was held for good (the bad keys fail this test before the fix). The abandoned
    // upgrades check those paths neither leak a slot nor free one twice (the cap still holds).
    const caps = { maxConnections: 2, maxConnectionsPerIp: 2, handshakeBurstPerIp: 1000 };
    const small = await startGateway(nats.url, caps);
    const port = small.gateway.port;
    const upgrade = (key: string) =>
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`;
    /** Sends `request`, optionally half-closing at once; resolves with what came back once closed. */
    const raw = (request: string, end: boolean) =>
      new Promise<string>((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => (end ? s.end(request) : s.write(request)));
        let got = "";
        s.on("data", (d) => {
          got += d.toString();
          if (!end && got.includes("\r\n\r\n")) s.destroy(); // a 101 too: drop the upgraded socket
        });
        s.on("error", () => undefined);
        s.on("close", () => resolve(got));
      });
    try {
      for (let i = 0; i < 5; i++) expect(await raw(upgrade("not-a-key"), false)).toMatch(/^HTTP\/1.1 400/);
      // Valid key, then FIN straight away (and destroyed mid-way): refused or upgraded, never kept.
      for (let i = 0; i < 5; i++) await raw(upgrade("dGhlIHNhbXBsZSBub25jZQ=="), true);
      for (let i = 0; i < 5; i++) await raw(upgrade("dGhlIHNhbXBsZSBub25jZQ=="), false);
      // Slots are released when the socket closes; give the gateway's side a moment to see it.
      await new Promise((r) => setTimeout(r, 100));
      const a = new RawClient(small.wsUrl);
      const b = new RawClient(small.wsUrl);
      await a.opened();
      await b.opened();
      // Nothing went negative either: the cap still holds.
      await expect(new RawClient(small.wsUrl).opened()).rejects.toThrow(/HTTP (429|503)/);
      a.ws.close();
      b.ws.close();
      await Promise.all([a.closed, b.closed]);
    } finally {
      await small.stop();
    }
  });

  test("a browser origin that is not allowed is refused with 403", async () => {
    const c = new RawClient(gw.wsUrl, { origin: "http://evil.example" });
    await expect(c.opened()).rejects.toThrow("HTTP 403");
  });

  test("DNS rebinding: a page at evil.example (Host and Origin both evil.example) is refused with 403", async () => {
    const port = gw.gateway.port;
    const c = new RawClient(gw.wsUrl, { host: `evil.example:${port}`, origin: `http://evil.example:${port}` });
    await expect(c.opened()).rejects.toThrow("HTTP 403");
  });

  test("the origin's scheme counts: https:// for the gateway's http:// address is refused", async () => {
    const port = gw.gateway.port;
    const c = new RawClient(gw.wsUrl, { origin: `https://127.0.0.1:${port}` });
    await expect(c.opened()).rejects.toThrow("HTTP 403");
  });

  test("the gateway's own origins (its listen address, and localhost for a loopback one) are allowed", async () => {
    const port = gw.gateway.port;
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const c = new RawClient(gw.wsUrl, { origin });
      await c.opened();
      c.ws.close();
    }
  });

  test("ALLOWED_ORIGINS replaces the default, compared with the scheme and port", async () => {
    const other = await startGateway(nats.url, { allowedOrigins: ["https://chat.example.org"] });
    try {
      const ok = new RawClient(other.wsUrl, { origin: "https://chat.example.org" });
      await ok.opened();
      ok.ws.close();
      for (const origin of [
        "http://chat.example.org",
        "https://chat.example.org:8443",
        `http://127.0.0.1:${other.gateway.port}`,
      ]) {
        await expect(new RawClient(other.wsUrl, { origin, host: "chat.example.org" }).opened()).rejects.toThrow(
          "HTTP 403",
        );
      }
    } finally {
      await other.stop();
    }
  });

  test("the SDK refuses a server whose key differs from the pin, loudly, before sending anything", async () => {
    const client = createNodeClient({
      urls: gw.wsUrl,
      pin: "00".repeat(32),
      knownHostsFile: path.join(mkdtempSync(path.join(os.tmpdir(), "kh-")), "known_hosts"),
      requestTimeoutMs: 3000,
    });
    const err = await client.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyMismatchError);
    expect(String(err)).toMatch(/HAS CHANGED/);
    expect(client.state).toBe("failed");
  });

  test("the changed-key refusal says which known-hosts file holds the pin and how to accept a rotated key", async () => {
    const knownHostsFile = path.join(mkdtempSync(path.join(os.tmpdir(), "kh-")), "known_hosts");
    const host = `127.0.0.1:${gw.gateway.port}`;
    writeFileSync(knownHostsFile, `${host} ${"ab".repeat(32)}\n`);
    const client = createNodeClient({ urls: gw.wsUrl, knownHostsFile, requestTimeoutMs: 3000 });
    const err = await client.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyMismatchError);
    const message = String(err);
    expect(message).toMatch(/HAS CHANGED/);
    expect(message).toContain(knownHostsFile);
    expect(message).toContain(`delete the line for ${host}`);

    // An explicit pin says so instead.
    const pinned = createNodeClient({ urls: gw.wsUrl, pin: "00".repeat(32), knownHostsFile, requestTimeoutMs: 3000 });
    expect(String(await pinned.connect().catch((e: unknown) => e))).toMatch(/pin option/);
  });

  test("trust on first use records the key; a different key for a known host is refused", async () => {
    const knownHostsFile = path.join(mkdtempSync(path.join(os.tmpdir(), "kh-")), "known_hosts");
    const first = createNodeClient({ urls: gw.wsUrl, knownHostsFile });
    await first.connect();
    first.close();
    const again = createNodeClient({ urls: gw.wsUrl, knownHostsFile });
    await again.connect();
    expect(again.state).toBe("connected");
    again.close();
    // Another gateway with its own key, at an address the known-hosts file says has gw's key.
    const other = await startGateway(nats.url, {}, nodeServerKey(generateServerKeyPem(2048)));
    try {
      const line = readFileSync(knownHostsFile, "utf8").trim().split(" ")[1];
      writeFileSync(knownHostsFile, `127.0.0.1:${other.gateway.port} ${line}\n`);
      const impostor = createNodeClient({ urls: other.wsUrl, knownHostsFile });
      await expect(impostor.connect()).rejects.toBeInstanceOf(KeyMismatchError);
    } finally {
      await other.stop();
    }
  });
});

describe("a decryption that outlasts the handshake deadline (RSA on a thread: rsa-pool.ts)", () => {
  test("the deadline closes the connection with HANDSHAKE_TIMEOUT while the decryption is still running", async () => {
    const key = testServerKey();
    let decrypted = false;
    const slow = {
      ...key,
      decrypt: async (c: Uint8Array) => {
        await new Promise((r) => setTimeout(r, 1500));
        decrypted = true;
        return key.decrypt(c);
      },
    };
    const slowGw = await startGateway(nats.url, { handshakeTimeoutMs: 300 }, slow);
    try {
      const c = new RawClient(slowGw.wsUrl);
      await c.opened();
      await expect(c.handshake()).rejects.toThrow();
      expect((await c.closed).code).toBe(CLOSE.HANDSHAKE_TIMEOUT);
      expect(decrypted).toBe(false);
    } finally {
      await slowGw.stop();
    }
  });
});

describe("with the RSA decryption on a worker thread (GATEWAY_RSA_THREADS=1)", () => {
  let pooled: TestGateway;
  beforeAll(async () => {
    pooled = await startGateway(nats.url, { handshakeTimeoutMs: 1500 }, pooledTestServerKey());
  });
  afterAll(async () => {
    await pooled?.stop();
  });

  test("a complete handshake yields a working channel", async () => {
    const c = await RawClient.connect(pooled.wsUrl);
    await c.command(1, "no.such.command", {});
    expect(await c.receive()).toMatchObject({ t: "reply", id: 1, ok: false, error: { code: "UNKNOWN_COMMAND" } });
    c.ws.close();
  });

  test("an encrypted secret that does not decrypt is refused with HANDSHAKE_FAILED", async () => {
    const c = new RawClient(pooled.wsUrl);
    await c.opened();
    await expect(c.handshake((h) => flip(h, 120))).rejects.toThrow();
    expect((await c.closed).code).toBe(CLOSE.HANDSHAKE_FAILED);
  });

  test("no ClientHello within the deadline closes with HANDSHAKE_TIMEOUT", async () => {
    const c = new RawClient(pooled.wsUrl);
    await c.opened();
    expect((await c.closed).code).toBe(CLOSE.HANDSHAKE_TIMEOUT);
  });
});
