/** The shared token buckets (moved here from the gateway's and the chat service's limiter tests). */
import fc from "fast-check";
import { expect, test } from "vitest";
import { KeyedTokenBucket, TokenBucket } from "./ratelimit.js";

test("per key: a burst, then the rate; other keys keep their own budget; keys whose bucket is full again are forgotten", () => {
  let now = 0;
  const limiter = new KeyedTokenBucket<number>({ perSec: 20, burst: 60 }, () => now);
  for (let i = 0; i < 60; i++) expect(limiter.take(1)).toBe(0);
  const wait = limiter.take(1);
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(50);
  expect(limiter.take(2)).toBe(0);
  now += 50;
  expect(limiter.take(1)).toBe(0);
  now += 11 * 60_000;
  limiter.take(3);
  expect(limiter.size).toBe(1);
  // prune() forgets only full buckets: key 3 spent a token 0 ms ago.
  limiter.prune();
  expect(limiter.size).toBe(1);
});

test("property: over any schedule of calls, a key never gets more than burst + rate x elapsed; keys are independent", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 300 }), key: fc.constantFrom("a", "b", "c") }), {
        minLength: 1,
        maxLength: 400,
      }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 100 }),
      (calls, perSec, burst) => {
        let now = 0;
        const buckets = new KeyedTokenBucket<string>({ perSec, burst }, () => now);
        const allowed: Record<string, number> = { a: 0, b: 0, c: 0 };
        for (const { gap, key } of calls) {
          now += gap;
          if (buckets.take(key) === 0) allowed[key]!++;
        }
        return Object.values(allowed).every((n) => n <= burst + (now / 1000) * perSec + 1e-9);
      },
    ),
  );
});

test("property: forgetting full buckets changes no answer (same schedule, pruned after every call or never)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 5_000 }), key: fc.constantFrom(1, 2) }), {
        minLength: 1,
        maxLength: 200,
      }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 30 }),
      (calls, perSec, burst) => {
        let now = 0;
        const pruned = new KeyedTokenBucket<number>({ perSec, burst }, () => now);
        const kept = new Map<number, TokenBucket>();
        return calls.every(({ gap, key }) => {
          now += gap;
          let single = kept.get(key);
          if (!single) kept.set(key, (single = new TokenBucket({ perSec, burst }, () => now)));
          const a = pruned.take(key);
          pruned.prune();
          return a === single.take();
        });
      },
    ),
  );
});

test("a wait is never 0 while refused, and one token arrives after it", () => {
  let now = 0;
  const bucket = new TokenBucket({ perSec: 3, burst: 1 }, () => now);
  expect(bucket.take()).toBe(0);
  const wait = bucket.take();
  expect(wait).toBe(334);
  now += wait;
  expect(bucket.take()).toBe(0);
});

test("a take of several tokens: all or none, the wait until all are there; a cost above the burst costs the burst", () => {
  let now = 0;
  const limiter = new KeyedTokenBucket<number>({ perSec: 100, burst: 300 }, () => now);
  expect(limiter.take(1, 200)).toBe(0);
  // 100 left: a page of 200 waits for the 100 more, a second's worth, and takes nothing meanwhile.
  expect(limiter.take(1, 200)).toBe(1000);
  expect(limiter.take(1, 100)).toBe(0);
  now += 2000;
  expect(limiter.take(1, 200)).toBe(0);
  // Bigger than the bucket: a full bucket lets it through (else it would wait for ever).
  now += 10_000;
  expect(limiter.take(1, 1_000)).toBe(0);
  expect(limiter.take(1, 1)).toBeGreaterThan(0);
});
