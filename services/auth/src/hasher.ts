import { randomBytes } from "node:crypto";
import argon2 from "argon2";
import { AppError } from "@sealroom/proto/errors";
import type { Logger } from "@sealroom/runtime";
import type { Argon2Params, SignInConcurrency } from "./config.js";
import { BoundedGate, GateFullError } from "./gate.js";
import type { AuthMetrics } from "./metrics.js";
import { RetryPacer, clampHint } from "./retry-pacer.js";

/** The hashing operations, available only while holding a slot. */
export interface HashOps {
  /** A new argon2id hash with the configured parameters. */
  hash(password: string): Promise<string>;
  /** Verifies with the parameters stored in `digest`; a malformed digest is a mismatch. */
  verify(digest: string, password: string): Promise<boolean>;
  /** Spends the same work as a real check, for an account that does not exist. */
  verifyDummy(password: string): Promise<false>;
  /** Whether `digest` is not argon2id with the configured parameters. */
  needsRehash(digest: string): boolean;
}

/**
 * What one request claims in the hash queue: the address it comes from, the account it is about (if
 * any), and when its requester stops waiting.
 */
export interface Claim {
  /** `addressKey(ctx.ip)`. */
  address: string;
  /** `u:<usernameKey>` for a login, `id:<userId>` for a password change; none for a registration. */
  account?: string;
  /** `performance.now()` by which the reply must be out (arrival + the gateway's command timeout). */
  deadline: number;
}

/** A request holding a place in the queue. */
export interface Admitted {
  /**
   * Runs `task` holding one hash slot. AUTH_BUSY, without running it, when the slot comes too late
   * for the hash to finish before the claim's deadline: nobody would read the answer.
   */
  withSlot<T>(task: (ops: HashOps) => Promise<T>): Promise<T>;
}

export interface PasswordHasher {
  /**
   * Runs `work` holding a place in the hash queue. AUTH_BUSY at once, before `work` (and so before
   * any database query), when every place is taken or the claim's address or account already holds
   * its share.
   */
  admit<T>(claim: Claim, work: (admitted: Admitted) => Promise<T>): Promise<T>;
}

export interface HasherOptions {
  params: Argon2Params;
  concurrency: number;
  queue: number;
  limits: SignInConcurrency;
  metrics: AuthMetrics;
  log: Logger;
}

/** Computes the dummy hash once (with the configured cost), then serves bounded hashing. */
export async function createHasher(opts: HasherOptions): Promise<PasswordHasher> {
  const { params, metrics, log } = opts;
  const options = {
    type: argon2.argon2id,
    memoryCost: params.memoryKiB,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  } as const;
  // How long a hash takes here, as a moving average: a slot that comes later than the deadline
  // minus this is given up. The dummy hash below is the first sample.
  let typicalMs = 0;
  const timed = async <T>(work: Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work;
    } finally {
      const ms = performance.now() - t0;
      typicalMs = typicalMs === 0 ? ms : 0.8 * typicalMs + 0.2 * ms;
    }
  };
  const hash = (password: string) => timed(argon2.hash(password, options));
  const dummy = await hash(randomBytes(32).toString("base64url"));

  const verify = async (digest: string, password: string): Promise<boolean> => {
    try {
      return await timed(argon2.verify(digest, password));
    } catch (err) {
      log.error({ err }, "stored password hash is unreadable");
      return false;
    }
  };
  const ops: HashOps = {
    hash,
    verify,
    verifyDummy: async (password) => {
      await verify(dummy, password);
      return false;
    },
    needsRehash: (digest) => {
      if (!digest.startsWith("$argon2id$")) return true;
      try {
        return argon2.needsRehash(digest, options);
      } catch {
        return true;
      }
    },
  };

  const gate = new BoundedGate(opts.concurrency, opts.queue);
  const observe = () => {
    metrics.hashesInFlight.set(gate.active);
    metrics.hashQueue.set(gate.queued);
  };
  const places = new Places(opts.concurrency + opts.queue, opts.limits);
  const pacer = new RetryPacer();
  const busy = (retryAfterMs: number) => new AppError("AUTH_BUSY", undefined, retryAfterMs);
  /** A retry hint for a refusal with `ahead` requests holding places before it. */
  const paced = (ahead: number) => {
    const spacingMs = typicalMs / opts.concurrency;
    return pacer.next(spacingMs, ahead * spacingMs);
  };

  const withSlot = async <T>(claim: Claim, task: (ops: HashOps) => Promise<T>): Promise<T> => {
    const run = gate.run(async () => {
      if (performance.now() + typicalMs > claim.deadline) throw new Expired();
      observe();
      return task(ops);
    });
    observe();
    try {
      return await run;
    } catch (err) {
      if (err instanceof Expired) {
        metrics.dropped.inc();
        log.debug({ typicalMs: Math.round(typicalMs) }, "sign-in dropped: its requester has timed out");
        throw busy(paced(gate.active + gate.queued));
      }
      if (!(err instanceof GateFullError)) throw err;
      metrics.busy.inc();
      throw busy(paced(gate.active + gate.queued));
    } finally {
      observe();
    }
  };

  return {
    async admit(claim, work) {
      const refused = places.take(claim);
      if (refused) {
        metrics.busy.inc();
        log.debug({ scope: refused }, "sign-in refused: no place in the hash queue");
        // An address or account over its share waits for one of its own to finish: about a hash.
        throw busy(refused === "queue" ? paced(places.taken) : clampHint(typicalMs));
      }
      try {
        return await work({ withSlot: (task) => withSlot(claim, task) });
      } finally {
        places.release(claim);
      }
    },
  };
}

/** A queued request whose deadline passed before its slot came. */
class Expired extends Error {}

/**
 * The places in the queue: all of them, and each address's and account's share. Counted from
 * admission to the answer (database work included), so a burst is refused before it queries.
 */
class Places {
  private total = 0;
  private readonly held = new Map<string, number>();

  get taken(): number {
    return this.total;
  }

  constructor(
    private readonly capacity: number,
    private readonly limits: SignInConcurrency,
  ) {}

  /** Takes a place for `claim`, or says which limit refused it. */
  take(claim: Claim): "queue" | "address" | "account" | undefined {
    if (this.total >= this.capacity) return "queue";
    const address = `ip:${claim.address}`;
    if ((this.held.get(address) ?? 0) >= this.limits.perAddress) return "address";
    if (claim.account !== undefined && (this.held.get(claim.account) ?? 0) >= this.limits.perAccount) return "account";
    this.total++;
    for (const key of this.keys(claim)) this.held.set(key, (this.held.get(key) ?? 0) + 1);
    return undefined;
  }

  release(claim: Claim): void {
    this.total--;
    for (const key of this.keys(claim)) {
      const left = (this.held.get(key) ?? 1) - 1;
      if (left > 0) this.held.set(key, left);
      else this.held.delete(key);
    }
  }

  private keys(claim: Claim): string[] {
    return claim.account === undefined ? [`ip:${claim.address}`] : [`ip:${claim.address}`, claim.account];
  }
}
