/**
 * The one password check, shared by login and password change, run by a request that holds a place in
 * the hash queue: throttle first (cheap rejection), then one bounded hash. An unknown account costs the same hash (against the dummy) and fails with
 * the same error and the same throttling as a wrong password.
 */
import { normalizePassword } from "@sealroom/proto/auth";
import { AppError } from "@sealroom/proto/errors";
import type { Logger } from "@sealroom/runtime";
import type { Accounts, StoredUser } from "./accounts.js";
import type { Admitted, PasswordHasher } from "./hasher.js";
import type { AuthMetrics } from "./metrics.js";
import { accountLabel } from "./namekey.js";
import type { Reservation, Throttle } from "./throttle.js";

export interface CredentialDeps {
  hasher: PasswordHasher;
  throttle: Throttle;
  accounts: Accounts;
  log: Logger;
  metrics: AuthMetrics;
}

export interface CredentialCheck {
  /** Case-folded account name; the throttle key even when no such account exists. */
  usernameKey: string;
  password: string;
  ip: string;
  /** Loads the account once the request has passed the throttle. */
  lookup(): Promise<StoredUser | null>;
  /** Store a new hash when the stored one uses other parameters (login: yes; password change: no). */
  rehash: boolean;
  /** The request's place in the hash queue (`PasswordHasher.admit`), taken before any query. */
  slot: Admitted;
}

type Verdict =
  { ok: false; reservation?: Reservation } | { ok: true; rehash: string | undefined; reservation: Reservation };

/** Returns the account or throws AUTH_THROTTLED, AUTH_BUSY or AUTH_INVALID_CREDENTIALS. */
export async function checkCredentials(deps: CredentialDeps, check: CredentialCheck): Promise<StoredUser> {
  const { throttle, accounts, log, metrics } = deps;
  const keys = throttle.keys(check.usernameKey, check.ip);
  await throttle.check(keys);

  // No account can have a password outside the policy: fail without spending a hash.
  const password = normalizePassword(check.password);
  const user = password === undefined ? null : await check.lookup();
  const verdict: Verdict =
    password === undefined
      ? { ok: false }
      : await check.slot.withSlot(async (ops): Promise<Verdict> => {
          // Again, now that a slot is ours: a burst queued behind the hasher cannot outrun a lockout.
          await throttle.check(keys);
          // Counted before the hash, atomically: concurrent guesses cannot all slip under the cap.
          const reservation = await throttle.reserve(keys);
          if (!user) {
            await ops.verifyDummy(password); // the same work as a real account, whatever it says
            return { ok: false, reservation };
          }
          if (!(await ops.verify(user.passwordHash, password))) return { ok: false, reservation };
          const stale = check.rehash && ops.needsRehash(user.passwordHash);
          return { ok: true, rehash: stale ? await ops.hash(password) : undefined, reservation };
        });

  if (!verdict.ok || !user) {
    if (verdict.reservation) await throttle.failed(verdict.reservation);
    else await throttle.recordFailure(keys);
    metrics.logins.inc({ outcome: "failure" });
    log.info({ account: accountLabel(keys.account), userId: user?.id, ip: check.ip }, "password check failed");
    throw new AppError("AUTH_INVALID_CREDENTIALS");
  }
  metrics.logins.inc({ outcome: "success" });
  await throttle.succeeded(verdict.reservation);
  if (verdict.rehash !== undefined && (await accounts.replaceHash(user.id, user.passwordHash, verdict.rehash))) {
    log.info({ userId: user.id }, "password rehashed with the current parameters");
    return { ...user, passwordHash: verdict.rehash };
  }
  return user;
}
