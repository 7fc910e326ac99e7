/**
 * Property-based tests of the record layer (docs/PROTOCOL.md section 6) after a real handshake on the
 * node backend: random sequences of seal, deliver, replay, skip, reorder, bit flip, truncation,
 * extension, reflection (a frame fed back to its own sender), forged-but-authentic records and clock
 * ticks, with small key limits so that key updates happen within a run. Every in-order untampered
 * delivery opens to the exact plaintext; every other delivery throws DECRYPT_FAILED; after a failure
 * the receiving side stays failed. The model that checks each step is test/channel-model.ts.
 */
import { beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { SUITES, type ServerKey, type Suite } from "./backend.js";
import type { KeyLimits } from "./channel.js";
import { FRAME } from "./frames.js";
import { generateServerKeyPem, nodeServerKey } from "./node.js";
import { Model, session, type Dir, type Op } from "./test/channel-model.js";

const RUNS = 120;

let serverKey: ServerKey;
beforeAll(() => {
  serverKey = nodeServerKey(generateServerKeyPem(2048));
});

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const dirArb = fc.constantFrom<Dir>(0, 1);

const plaintextArb = fc.uint8Array({ maxLength: 300 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant("seal" as const), dir: dirArb, plaintext: plaintextArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("sealBurst" as const),
      dir: dirArb,
      plaintexts: fc.array(plaintextArb, { minLength: 2, maxLength: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("sealFinished" as const),
      dir: dirArb,
      plaintext: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("sealKeyUpdate" as const), dir: dirArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("forge" as const),
      dir: dirArb,
      kind: fc.constantFrom("keyUpdateWithData" as const, "unknownType" as const),
      data: fc.uint8Array({ minLength: 1, maxLength: 40 }),
    }),
  },
  { weight: 10, arbitrary: fc.record({ op: fc.constant("deliver" as const), dir: dirArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("deliverBurst" as const),
      dir: dirArb,
      count: fc.integer({ min: 2, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("replay" as const), dir: dirArb, back: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("skip" as const), dir: dirArb, ahead: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("reorder" as const), dir: dirArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("flip" as const),
      dir: dirArb,
      at: fc.nat(),
      bit: fc.integer({ min: 0, max: 7 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("truncate" as const), dir: dirArb, to: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("extend" as const),
      dir: dirArb,
      extra: fc.uint8Array({ minLength: 1, maxLength: 20 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("reflect" as const), dir: dirArb, index: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 1500 }) }) },
);

const limitsArb: fc.Arbitrary<KeyLimits> = fc.record({
  maxFrames: fc.integer({ min: 1, max: 6 }),
  maxBytes: fc.integer({ min: 1, max: 800 }),
  maxAgeMs: fc.integer({ min: 1, max: 2000 }),
});

const suiteArb = fc.constantFrom<Suite>(SUITES.X25519_AES256GCM_SHA256, SUITES.P256_AES256GCM_SHA256);

describe("record layer under random operations", () => {
  test("in-order frames open exactly, every other delivery fails with DECRYPT_FAILED, failures are final", async () => {
    await fc.assert(
      fc.asyncProperty(
        suiteArb,
        limitsArb,
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        async (suite, limits, ops) => {
          const s = await session(serverKey, suite, limits);
          const model = new Model(s, limits);
          for (const op of ops) await model.run(op);
          await model.drain();
          await model.expectFailedStaysFailed();
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("without tampering, long runs with frequent key updates deliver everything in both directions", async () => {
    const honestOp = opArb.filter((o) =>
      ["seal", "sealBurst", "sealKeyUpdate", "deliver", "deliverBurst", "tick"].includes(o.op),
    );
    await fc.assert(
      fc.asyncProperty(
        suiteArb,
        limitsArb,
        fc.array(honestOp, { minLength: 20, maxLength: 80 }),
        async (suite, limits, ops) => {
          const s = await session(serverKey, suite, limits);
          const model = new Model(s, limits);
          for (const op of ops) await model.run(op);
          await model.drain();
          expect(model.failed).toEqual([false, false]);
          expect(model.cursor).toEqual([model.wire[0].length, model.wire[1].length]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("regressions found by the fuzzer", () => {
  const limits: KeyLimits = { maxFrames: 2 ** 20, maxBytes: 2 ** 34, maxAgeMs: 3_600_000 };

  test("sealing a KEY_UPDATE switches the sender's key too, so the next frame still opens", async () => {
    // It used to send the record under the old key without switching: the receiver moved to the next
    // key and refused every later frame with DECRYPT_FAILED.
    const { channels } = await session(serverKey, SUITES.X25519_AES256GCM_SHA256, limits);
    const [update] = await channels[0].seal(FRAME.KEY_UPDATE, new Uint8Array(0));
    expect(await channels[1].open(update!)).toEqual({ type: FRAME.KEY_UPDATE });
    const [data] = await channels[0].seal(FRAME.DATA, new Uint8Array([7]));
    expect(data![1]).toBe(FRAME.DATA);
    expect(new DataView(data!.buffer, data!.byteOffset).getBigUint64(2)).toBe(0n);
    expect(await channels[1].open(data!)).toEqual({ type: FRAME.DATA, plaintext: new Uint8Array([7]) });
    expect(channels[0].keyUpdates.sent).toBe(1);
    expect(channels[1].keyUpdates.received).toBe(1);
  });

  test("sealing a KEY_UPDATE with data is refused (receivers fail on it)", async () => {
    const { channels } = await session(serverKey, SUITES.X25519_AES256GCM_SHA256, limits);
    await expect(channels[0].seal(FRAME.KEY_UPDATE, new Uint8Array(1))).rejects.toThrow(/no data/);
    // The refusal leaves the channel usable.
    const [data] = await channels[0].seal(FRAME.DATA, new Uint8Array([1]));
    expect(await channels[1].open(data!)).toEqual({ type: FRAME.DATA, plaintext: new Uint8Array([1]) });
  });
});
