import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import type { ServerKey } from "@sealroom/proto/session";

/**
 * Loads the gateway's long-term RSA key, generating it on first start. Replicas share the file
 * (a volume); the exclusive create means two replicas starting at once still end up with one key.
 */
export function loadOrCreateServerKey(file: string, bits: number): { key: ServerKey; created: boolean } {
  try {
    return { key: nodeServerKey(readFileSync(file, "utf8")), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const pem = generateServerKeyPem(bits);
  try {
    writeFileSync(file, pem, { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return { key: nodeServerKey(readFileSync(file, "utf8")), created: false };
  }
  return { key: nodeServerKey(pem), created: true };
}
