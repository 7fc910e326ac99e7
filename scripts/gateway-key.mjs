#!/usr/bin/env node
// The gateway's long-term RSA key, outside the gateway (after `npm run build`):
//   node scripts/gateway-key.mjs ensure  [--file F] [--bits N]   create F if missing; print its fingerprint
//   node scripts/gateway-key.mjs show    [--file F]              print F's fingerprint
//   node scripts/gateway-key.mjs next    [--file F] [--bits N]   create F.next (a rotation's new key); print it
//   node scripts/gateway-key.mjs promote [--file F]              F -> F.<time>.old, F.next -> F
// F defaults to $GATEWAY_KEY_FILE, else data/gateway-key.pem. docker compose runs `ensure` once
// (the keygen job) so that every gateway replica starts with the same key. Rotation: docs/DEPLOYMENT.md.
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatFingerprint } from "@sealroom/proto/session";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [command, ...rest] = process.argv.slice(2);
const opt = (name, def) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 && rest[i + 1] ? rest[i + 1] : def;
};
const file = path.resolve(opt("file", process.env.GATEWAY_KEY_FILE ?? path.join(root, "data/gateway-key.pem")));
const bits = Number(opt("bits", process.env.GATEWAY_KEY_BITS ?? "2048"));
const next = `${file}.next`;

const fail = (line) => {
  console.error(`gateway-key: ${line}`);
  process.exit(1);
};
const fingerprintOf = (f) => formatFingerprint(nodeServerKey(readFileSync(f, "utf8")).keyId);

/**
 * Writes a new key to `target` only if it does not exist. The key goes to a temp file first and is
 * hard-linked into place: a reader never sees a half-written file, and of two concurrent writers
 * exactly one wins (link fails with EEXIST for the other).
 */
function create(target) {
  if (![2048, 3072, 4096].includes(bits)) fail(`--bits must be 2048, 3072 or 4096, not ${bits}`);
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, generateServerKeyPem(bits), { mode: 0o600 });
  try {
    linkSync(tmp, target);
    return true;
  } catch (err) {
    if (err.code !== "EEXIST") throw err;
    return false;
  } finally {
    unlinkSync(tmp);
  }
}

switch (command) {
  case "ensure": {
    const created = existsSync(file) ? false : create(file);
    console.log(`${created ? "created" : "kept"} ${file}\nfingerprint ${fingerprintOf(file)}`);
    break;
  }
  case "show":
    if (!existsSync(file)) fail(`${file} does not exist`);
    console.log(`${file}\nfingerprint ${fingerprintOf(file)}`);
    break;
  case "next":
    if (existsSync(next)) fail(`${next} exists already (promote it or delete it)`);
    create(next);
    console.log(
      `created ${next}\nfingerprint ${fingerprintOf(next)}\n(publish this fingerprint to your users before you promote it)`,
    );
    break;
  case "promote": {
    if (!existsSync(next)) fail(`${next} does not exist: run \`next\` first`);
    fingerprintOf(next); // refuses a damaged file before anything moves
    const old = `${file}.${new Date().toISOString().replace(/[:.]/g, "-")}.old`;
    if (existsSync(file)) renameSync(file, old);
    renameSync(next, file);
    console.log(
      `${file} is now the key with fingerprint ${fingerprintOf(file)}${existsSync(old) ? `\nthe previous key is kept as ${old}` : ""}`,
    );
    console.log("restart every gateway for it to take effect");
    break;
  }
  default:
    fail("usage: gateway-key.mjs ensure|show|next|promote [--file F] [--bits N]");
}
