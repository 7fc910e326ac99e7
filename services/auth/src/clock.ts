import { createHash, createHmac, randomBytes } from "node:crypto";

/** The shared clock shape (packages/runtime), under the name this service's modules import. */
export { systemClock, type Clock } from "@sealroom/runtime";

/** A short, stable label for logs of a random value (session ids): nothing to guess behind it. */
export function fingerprint(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 12);
}

/**
 * Random per process and never stored or logged: account labels link the log lines of one attack
 * while this process runs, but nobody holding the logs (not even with the database) can test a name,
 * or a password typed as one, against them. An unkeyed hash of a name was a dictionary lookup away.
 */
const ACCOUNT_LABEL_KEY = randomBytes(32);

/** A short label for an account name in logs (the throttle key `u:<usernameKey>`); see above. */
export function accountLabel(throttleKey: string): string {
  return createHmac("sha256", ACCOUNT_LABEL_KEY).update(throttleKey).digest("hex").slice(0, 12);
}
