/**
 * Property-based tests of the frame codec (docs/PROTOCOL.md sections 3, 4.2-4.4, 4.8, 6.1): random bytes and
 * mutations of valid frames either decode to a value that re-encodes to the identical bytes, or are
 * refused with a SessionError carrying the documented close code (4001 for hello frames, 4002 for
 * records). Nothing else may escape a decoder.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { CLOSE } from "../close-codes.js";
import vectors from "./vectors.json" with { type: "json" };
import { SUITES, ephemeralLength, type Suite } from "./backend.js";
import { concat, fromHex } from "./bytes.js";
import { SessionError } from "./errors.js";
import {
  FRAME,
  MAX_TICKET_LENGTH,
  decodeClientHello,
  decodeRecord,
  decodeResumeHello,
  decodeResumeRefused,
  encodeResumeHelloPrefix,
  encodeResumeRefused,
  decodeServerHello,
  decodeServerKey,
  encodeClientHello,
  encodeServerHello,
  encodeServerKey,
  recordHeader,
} from "./frames.js";

const RUNS = 400;

// ---------------------------------------------------------------------------------------------
// Mutations (also used to describe counterexamples when a property fails)
// ---------------------------------------------------------------------------------------------

type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "set"; at: number; value: number }
  | { op: "truncate"; to: number }
  | { op: "extend"; extra: Uint8Array }
  | { op: "insert"; at: number; extra: Uint8Array }
  | { op: "delete"; at: number; count: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant("truncate" as const), to: fc.nat() }),
  fc.record({ op: fc.constant("extend" as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  switch (m.op) {
    case "flip": {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n]! ^= 1 << m.bit;
      return out;
    }
    case "set": {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n] = m.value;
      return out;
    }
    case "truncate":
      return bytes.slice(0, n === 0 ? 0 : m.to % n);
    case "extend":
      return concat(bytes, m.extra);
    case "insert": {
      const at = m.at % (n + 1);
      return concat(bytes.subarray(0, at), m.extra, bytes.subarray(at));
    }
    case "delete": {
      if (n === 0) return bytes;
      const at = m.at % n;
      return concat(bytes.subarray(0, at), bytes.subarray(Math.min(n, at + m.count)));
    }
  }
}

const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });
const applyAll = (bytes: Uint8Array, ms: Mutation[]) => ms.reduce(mutate, bytes);

// ---------------------------------------------------------------------------------------------
// Valid frames: the test vectors, plus structurally valid frames drawn at random
// ---------------------------------------------------------------------------------------------

const vectorFrames = {
  serverKey: vectors.cases.map((c) => fromHex(c.expected.serverKey)),
  clientHello: vectors.cases.map((c) => fromHex(c.expected.clientHello)),
  serverHello: vectors.cases.map((c) => fromHex(c.expected.serverHello)),
  resumeHello: [fromHex(vectors.resumption.expected.resumeHello)],
  records: vectors.cases.flatMap((c) =>
    [c.expected.serverFinished, c.expected.clientFinished, c.expected.clientData, c.expected.serverData].map(fromHex),
  ),
};

const suiteArb = fc.constantFrom<Suite>(SUITES.X25519_AES256GCM_SHA256, SUITES.P256_AES256GCM_SHA256);
const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const serverKeyArb = fc.oneof(
  fc.constantFrom(...vectorFrames.serverKey),
  fc.uint8Array({ minLength: 1, maxLength: 1024 }).map(encodeServerKey),
);

const clientHelloArb = fc.oneof(
  fc.constantFrom(...vectorFrames.clientHello),
  suiteArb.chain((suite) =>
    fc
      .record({
        random: bytesOf(32),
        keyId: bytesOf(32),
        ephemeral: bytesOf(ephemeralLength(suite)),
        encryptedSecret: fc.integer({ min: 256, max: 512 }).chain(bytesOf),
      })
      .map((h) => encodeClientHello({ suite, ...h })),
  ),
);

const serverHelloArb = fc.oneof(
  fc.constantFrom(...vectorFrames.serverHello),
  suiteArb.chain((suite) =>
    fc
      .record({ random: bytesOf(32), ephemeral: bytesOf(ephemeralLength(suite)) })
      .map((h) => encodeServerHello({ suite, ...h })),
  ),
);

const resumeHelloArb = fc.oneof(
  fc.constantFrom(...vectorFrames.resumeHello),
  suiteArb.chain((suite) =>
    fc
      .record({
        random: bytesOf(32),
        keyId: bytesOf(32),
        ephemeral: bytesOf(ephemeralLength(suite)),
        ticket: fc.integer({ min: 1, max: MAX_TICKET_LENGTH }).chain(bytesOf),
        binder: bytesOf(32),
      })
      .map(({ binder, ...h }) => concat(encodeResumeHelloPrefix({ suite, ...h }), binder)),
  ),
);

const recordArb = fc.oneof(
  fc.constantFrom(...vectorFrames.records),
  fc
    .record({
      type: fc.constantFrom(FRAME.FINISHED, FRAME.DATA, FRAME.KEY_UPDATE),
      seq: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      body: fc.uint8Array({ minLength: 16, maxLength: 200 }),
    })
    .map(({ type, seq, body }) => concat(recordHeader(type, seq), body)),
);

// ---------------------------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------------------------

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Decodes `bytes`; a value must re-encode to the same bytes, a refusal must be a SessionError. */
function roundTripsOrRefuses(
  bytes: Uint8Array,
  decode: (b: Uint8Array) => Uint8Array,
  code: number,
): "accepted" | "refused" {
  let reencoded: Uint8Array;
  try {
    reencoded = decode(bytes);
  } catch (err) {
    if (!(err instanceof SessionError))
      throw new Error(`decoder threw a ${String(err)} instead of a SessionError`, { cause: err });
    expect(err.closeCode).toBe(code);
    return "refused";
  }
  expect(equalBytes(reencoded, bytes)).toBe(true);
  return "accepted";
}

const codecs = {
  ServerKey: {
    decode: (b: Uint8Array) => encodeServerKey(decodeServerKey(b)),
    valid: serverKeyArb,
    code: CLOSE.HANDSHAKE_FAILED,
  },
  ClientHello: {
    decode: (b: Uint8Array) => encodeClientHello(decodeClientHello(b)),
    valid: clientHelloArb,
    code: CLOSE.HANDSHAKE_FAILED,
  },
  ServerHello: {
    decode: (b: Uint8Array) => encodeServerHello(decodeServerHello(b)),
    valid: serverHelloArb,
    code: CLOSE.HANDSHAKE_FAILED,
  },
  ResumeHello: {
    decode: (b: Uint8Array) => {
      const { binder, ...h } = decodeResumeHello(b);
      return concat(encodeResumeHelloPrefix(h), binder);
    },
    valid: resumeHelloArb,
    code: CLOSE.HANDSHAKE_FAILED,
  },
  ResumeRefused: {
    decode: (b: Uint8Array) => {
      decodeResumeRefused(b);
      return encodeResumeRefused();
    },
    valid: fc.constant(encodeResumeRefused()),
    code: CLOSE.HANDSHAKE_FAILED,
  },
  record: {
    decode: (b: Uint8Array) => {
      const r = decodeRecord(b);
      // The header must be exactly what the sender authenticated (AAD), and nothing may be lost.
      expect(equalBytes(r.header, recordHeader(r.type, r.seq))).toBe(true);
      return concat(recordHeader(r.type, r.seq), r.body);
    },
    valid: recordArb,
    code: CLOSE.DECRYPT_FAILED,
  },
} as const;

describe.each(Object.entries(codecs))("%s codec", (_name, codec) => {
  test("valid frames round-trip byte for byte", () => {
    fc.assert(
      fc.property(codec.valid, (frame) => {
        expect(roundTripsOrRefuses(frame, codec.decode, codec.code)).toBe("accepted");
      }),
      { numRuns: RUNS },
    );
  });

  test("random bytes are decoded exactly or refused with the documented close code", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        roundTripsOrRefuses(bytes, codec.decode, codec.code);
      }),
      { numRuns: RUNS },
    );
  });

  test("random bytes behind a valid version and type byte are decoded exactly or refused", () => {
    fc.assert(
      fc.property(codec.valid, fc.uint8Array({ maxLength: 700 }), (frame, tail) => {
        roundTripsOrRefuses(concat(frame.subarray(0, 2), tail), codec.decode, codec.code);
      }),
      { numRuns: RUNS },
    );
  });

  test("mutated valid frames are decoded exactly or refused with the documented close code", () => {
    fc.assert(
      fc.property(codec.valid, mutationsArb, (frame, ms) => {
        roundTripsOrRefuses(applyAll(frame, ms), codec.decode, codec.code);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("strictness of the hello decoders", () => {
  const hellos = [codecs.ServerKey, codecs.ClientHello, codecs.ServerHello, codecs.ResumeHello, codecs.ResumeRefused];

  test("a truncated or extended hello frame is always refused with HANDSHAKE_FAILED", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...hellos).chain((codec) => fc.tuple(fc.constant(codec), codec.valid)),
        fc.oneof(
          fc.record({ op: fc.constant("truncate" as const), to: fc.nat() }),
          fc.record({ op: fc.constant("extend" as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
        ),
        ([codec, frame], m) => {
          expect(roundTripsOrRefuses(mutate(frame, m), codec.decode, codec.code)).toBe("refused");
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("a hello frame under another frame's type byte is refused with HANDSHAKE_FAILED", () => {
    const frames = [
      ...vectorFrames.serverKey,
      ...vectorFrames.clientHello,
      ...vectorFrames.serverHello,
      ...vectorFrames.resumeHello,
      encodeResumeRefused(),
    ];
    for (const codec of hellos) {
      for (const frame of frames) {
        for (const type of [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x10, 0x11, 0x12, 0xff]) {
          const f = frame.slice();
          f[1] = type;
          const outcome = roundTripsOrRefuses(f, codec.decode, codec.code);
          // Only a frame that really is this codec's type can be accepted.
          if (outcome === "accepted") expect(codec.decode(f)).toEqual(f);
        }
      }
    }
  });

  test("a record shorter than header + tag is refused with DECRYPT_FAILED", () => {
    fc.assert(
      fc.property(recordArb, fc.integer({ min: 0, max: 25 }), (rec, to) => {
        expect(roundTripsOrRefuses(rec.subarray(0, to), codecs.record.decode, CLOSE.DECRYPT_FAILED)).toBe("refused");
      }),
      { numRuns: RUNS },
    );
  });

  test("decoders work on views into a larger buffer (as ws delivers them)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(codecs)).chain((codec) => fc.tuple(fc.constant(codec), codec.valid)),
        fc.uint8Array({ maxLength: 32 }),
        fc.uint8Array({ maxLength: 32 }),
        ([codec, frame], before, after) => {
          const big = concat(before, frame, after);
          const view = big.subarray(before.length, before.length + frame.length);
          expect(roundTripsOrRefuses(view, codec.decode, codec.code)).toBe("accepted");
        },
      ),
      { numRuns: RUNS },
    );
  });
});
