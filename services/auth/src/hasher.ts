import { randomBytes } from "node:crypto";
import argon2 from "argon2";
import { AppError } from "@sealroom/proto/errors";
import type { Logger } from "@sealroom/runtime";
import type { Argon2Params } from "./config.js";
import { BoundedGate, GateFullError } from "./gate.js";
import type { AuthMetrics } from "./metrics.js";

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

export interface PasswordHasher {
  /** Runs `task` holding one hash slot; AUTH_BUSY when the slots and the wait queue are full. */
  withSlot<T>(task: (ops: HashOps) => Promise<T>): Promise<T>;
}

export interface HasherOptions {
  params: Argon2Params;
  concurrency: number;
  queue: number;
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
  const hash = (password: string) => argon2.hash(password, options);
  const dummy = await hash(randomBytes(32).toString("base64url"));

  const verify = async (digest: string, password: string): Promise<boolean> => {
    try {
      return await argon2.verify(digest, password);
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
  return {
    async withSlot(task) {
      const run = gate.run(async () => {
        observe();
        return task(ops);
      });
      observe();
      try {
        return await run;
      } catch (err) {
        if (!(err instanceof GateFullError)) throw err;
        metrics.busy.inc();
        throw new AppError("AUTH_BUSY");
      } finally {
        observe();
      }
    },
  };
}
