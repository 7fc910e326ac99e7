import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import type { ServerKey } from "@sealroom/proto/session";

/**
 * Loads the gateway's long-term RSA key, generating it on first start. Replicas share the file
 * (a volume). A new key is written whole to a private temp name and hard-linked into place: a
 * replica reading at the same moment never sees a half-written file, and of two replicas creating
 * at once exactly one link succeeds (the other gets EEXIST and loads the winner's key).
 */
export function loadOrCreateServerKey(
  file: string,
  bits: number,
): { key: ServerKey; created: boolean; /** The key file's content (for the RSA threads). */ pem: string } {
  const load = (pem: string, created: boolean) => ({ key: nodeServerKey(pem), created, pem });
  try {
    return load(readFileSync(file, "utf8"), false);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const pem = generateServerKeyPem(bits);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, pem, { flag: "wx", mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return load(readFileSync(file, "utf8"), false);
  } finally {
    unlinkSync(tmp);
  }
  return load(pem, true);
}
