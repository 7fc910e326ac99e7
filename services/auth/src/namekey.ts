/**
 * The deployment's key for keyed hashes of typed account names. A name typed at sign-in may be a
 * password typed into the wrong field, so it is never stored or logged: the throttle row of an
 * account is `u:<HMAC-SHA256(key, usernameKey)>` and the log label is a prefix of that hash.
 *
 * The key is 32 random bytes kept in the AuthSecret table (migration 0007): the instances share the
 * throttle table, so they must share the key, and it must outlive restarts or every restart would
 * reset the counters. The first instance to start creates it; the others read the same row.
 * Whoever holds the database holds the key too (see SECURITY.md, section 4): the hash keeps typed
 * names out of the table and the logs, not away from someone with a full copy of the database.
 */
import { createHmac, randomBytes } from "node:crypto";
import { Prisma } from "@sealroom/db";
import type { Store } from "./store.js";

const NAME = "name-key";

/** Reads the deployment's key, creating it if this is the first instance ever to start. */
export async function loadNameKey(store: Store): Promise<Buffer> {
  const read = () => store.run((db) => db.authSecret.findUnique({ where: { name: NAME }, select: { value: true } }));
  let row = await read();
  if (!row) {
    try {
      await store.run((db) => db.authSecret.create({ data: { name: NAME, value: randomBytes(32).toString("hex") } }));
    } catch (err) {
      // Another instance created it first: use theirs.
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002")) throw err;
    }
    row = await read();
  }
  const key = Buffer.from(row?.value ?? "", "hex");
  if (key.length !== 32) throw new Error("AuthSecret name-key is not 32 bytes of hex");
  return key;
}

/** The throttle key of a typed account name (already case-folded, `usernameKey`). */
export function accountThrottleKey(key: Buffer, usernameKey: string): string {
  return `u:${createHmac("sha256", key).update(usernameKey).digest("hex")}`;
}

/**
 * A short label for the account of a throttle key in logs: the first 12 hex digits of its hash, so
 * one attack's lines link across instances and restarts, and to its throttle row.
 */
export function accountLabel(throttleKey: string): string {
  return throttleKey.slice(2, 14);
}
