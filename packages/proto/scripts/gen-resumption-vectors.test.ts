// Adds the resumption case to src/session/vectors.json, keeping the handshake cases and their RSA
// key: `npm run gen:vectors -w @sealroom/proto` (after gen-vectors, which replaces the whole file).
// The expected outputs come from the node backend; vectors.test.ts checks both backends against them.
import { createHash, createPrivateKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { test } from "vitest";
import { nodeBackend, nodeServerKey } from "../src/session/node.js";
import { fromHex, toHex } from "../src/session/index.js";
import { runResumptionVector, type ResumptionInput } from "../src/session/test/resumption-vector.js";

const file = new URL("../src/session/vectors.json", import.meta.url);
const sha = (s: string) => toHex(createHash("sha256").update(s).digest());

test.runIf(process.env.GEN_VECTORS === "1")("generate the resumption vector", async () => {
  const vectors = JSON.parse(readFileSync(file, "utf8")) as {
    rsaPrivateKeyPkcs8: string;
    cases: {
      name: string;
      input: Pick<ResumptionInput, "clientEphemeral" | "serverEphemeral">;
      expected: { master: string };
    }[];
    resumption?: unknown;
  };
  const x = vectors.cases.find((c) => c.name === "x25519")!;
  const issuedAt = Date.UTC(2026, 0, 1, 12, 0, 0);
  const input: ResumptionInput = {
    suite: 1,
    issuingMaster: x.expected.master,
    rotationMs: 24 * 60 * 60 * 1000,
    lifetimeMs: 24 * 60 * 60 * 1000,
    issuedAt,
    now: issuedAt + 60 * 60 * 1000,
    ticketNonce: sha("ticket nonce").slice(0, 24),
    clientRandom: sha("c_random resume"),
    serverRandom: sha("s_random resume"),
    clientEphemeral: x.input.clientEphemeral,
    serverEphemeral: x.input.serverEphemeral,
  };
  const pkcs8 = fromHex(vectors.rsaPrivateKeyPkcs8);
  const pem = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" })
    .export({ format: "pem", type: "pkcs8" })
    .toString();
  const expected = await runResumptionVector(nodeBackend, nodeBackend, nodeServerKey(pem), pkcs8, input);
  vectors.resumption = { input, expected };
  writeFileSync(file, JSON.stringify(vectors, null, 2) + "\n");
});
