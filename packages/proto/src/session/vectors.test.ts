import { describe, expect, test } from "vitest";
import vectors from "./vectors.json" with { type: "json" };
import type { CryptoBackend, ServerKey, Suite } from "./backend.js";
import { fromHex, toHex, utf8 } from "./bytes.js";
import { FRAME } from "./frames.js";
import { ClientHandshake, ServerHandshake } from "./handshake.js";
import { nodeBackend, nodeServerKey } from "./node.js";
import { webBackend, webServerKey } from "./web.js";
import { createPrivateKey } from "node:crypto";
import { runResumptionVector } from "./test/resumption-vector.js";

const backends: Record<string, CryptoBackend> = { node: nodeBackend, web: webBackend };

async function serverKeyFor(name: string): Promise<ServerKey> {
  const pkcs8 = fromHex(vectors.rsaPrivateKeyPkcs8);
  if (name === "web") return webServerKey(pkcs8, fromHex(vectors.rsaSpki));
  const pem = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" })
    .export({ format: "pem", type: "pkcs8" })
    .toString();
  return nodeServerKey(pem);
}

describe.each(vectors.cases)("test vector $name", (v) => {
  const { input, expected } = v;
  const combos = [
    ["node", "node"],
    ["node", "web"],
    ["web", "node"],
    ["web", "web"],
  ] as const;

  test.each(combos)("client on %s, server on %s reproduce every byte", async (c, s) => {
    const client = new ClientHandshake({
      backend: backends[c]!,
      verifyServerKey: () => {},
      suites: [input.suite as Suite],
      fixed: {
        random: fromHex(input.clientRandom),
        ephemeral: {
          pkcs8: fromHex(input.clientEphemeral.pkcs8),
          publicKey: fromHex(input.clientEphemeral.publicKey),
        },
        rsaSecret: fromHex(input.rsaSecret),
        encryptedSecret: fromHex(input.encryptedSecret),
      },
    });
    const server = new ServerHandshake({
      backend: backends[s]!,
      serverKey: await serverKeyFor(s),
      fixed: {
        random: fromHex(input.serverRandom),
        ephemeral: {
          pkcs8: fromHex(input.serverEphemeral.pkcs8),
          publicKey: fromHex(input.serverEphemeral.publicKey),
        },
      },
    });
    expect(toHex(server.serverKeyFrame)).toBe(expected.serverKey);
    const clientHello = await client.onServerKey(server.serverKeyFrame);
    expect(toHex(clientHello)).toBe(expected.clientHello);
    const { serverHello, serverFinished } = await server.onClientHello(clientHello);
    expect(toHex(serverHello)).toBe(expected.serverHello);
    expect(toHex(serverFinished)).toBe(expected.serverFinished);
    await client.onServerHello(serverHello);
    for (const side of [client.secrets!, server.secrets!]) {
      expect(toHex(side.master)).toBe(expected.master);
      expect(toHex(side.c2s)).toBe(expected.c2s);
      expect(toHex(side.s2c)).toBe(expected.s2c);
      expect(toHex(side.finishedClient)).toBe(expected.finishedClientKey);
      expect(toHex(side.finishedServer)).toBe(expected.finishedServerKey);
    }
    const { clientFinished, channel: cch } = await client.onServerFinished(serverFinished);
    expect(toHex(clientFinished)).toBe(expected.clientFinished);
    const sch = await server.onClientFinished(clientFinished);

    const [clientData] = await cch.seal(FRAME.DATA, utf8(input.clientData));
    expect(toHex(clientData!)).toBe(expected.clientData);
    const opened = await sch.open(clientData!);
    expect(opened.type === FRAME.DATA && new TextDecoder().decode(opened.plaintext)).toBe(input.clientData);
    const [serverData] = await sch.seal(FRAME.DATA, utf8(input.serverData));
    expect(toHex(serverData!)).toBe(expected.serverData);
  });

  test("the transcript hash is SHA-256 of the three hello frames", async () => {
    const th = await nodeBackend.sha256(fromHex(expected.serverKey + expected.clientHello + expected.serverHello));
    expect(toHex(th)).toBe(expected.transcriptHash);
  });
});

test("the web backend detects X25519 and P-256", async () => {
  expect(await webBackend.supportedSuites()).toEqual([1, 2]);
});

describe("resumption test vector", () => {
  const { input, expected } = vectors.resumption;
  test.each([
    ["node", "node"],
    ["node", "web"],
    ["web", "node"],
    ["web", "web"],
  ] as const)("client on %s, server on %s reproduce every byte", async (c, s) => {
    const out = await runResumptionVector(
      backends[c]!,
      backends[s]!,
      await serverKeyFor(s),
      fromHex(vectors.rsaPrivateKeyPkcs8),
      input,
    );
    expect(out).toEqual(expected);
  });

  test("the ticket key is the same on both backends' server keys", async () => {
    const period = Math.floor(input.issuedAt / input.rotationMs);
    for (const name of ["node", "web"]) {
      expect(toHex(await (await serverKeyFor(name)).ticketKey!(period))).toBe(expected.ticketKey);
    }
  });
});
