import { createHash } from "node:crypto";

/** The service's only source of time, injected so tests can move it. */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A short, stable label for logs of a random value (session ids): nothing to guess behind it. */
export function fingerprint(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 12);
}
