/**
 * Property-based tests of the resumption hello (docs/PROTOCOL.md section 4.8), like
 * handshake.fuzz.test.ts: any bit flip, truncation or extension of a ResumeHello, and arbitrary
 * tickets and binders, end in either the one ResumeRefused reply (and then a working full handshake)
 * or HANDSHAKE_FAILED; never a crash, never a resumed session.
 */
import { beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { CLOSE } from "../close-codes.js";
import { SUITES, type ServerKey, type Suite } from "./backend.js";
import { concat } from "./bytes.js";
import { SessionError } from "./errors.js";
import { BINDER_LENGTH, FRAME, MAX_TICKET_LENGTH, encodeServerKey } from "./frames.js";
import { ClientHandshake } from "./handshake.js";
import { generateServerKeyPem, nodeBackend, nodeServerKey } from "./node.js";
import type { ResumptionOffer } from "./handshake.js";
import { attempt, authority, fullSession } from "./test/resumption.js";

const RUNS = 150;
const T0 = Date.UTC(2026, 5, 1, 10, 0, 0);

let key: ServerKey;
const offers = new Map<Suite, ResumptionOffer>();
beforeAll(async () => {
  key = nodeServerKey(generateServerKeyPem(2048));
  for (const suite of [SUITES.X25519_AES256GCM_SHA256, SUITES.P256_AES256GCM_SHA256] as const) {
    offers.set(
      suite,
      await fullSession(
        key,
        authority(key, () => T0),
        suite,
      ),
    );
  }
});

const suiteArb = fc.constantFrom<Suite>(SUITES.X25519_AES256GCM_SHA256, SUITES.P256_AES256GCM_SHA256);

type Mutation =
  { op: "flip"; at: number; bit: number } | { op: "truncate"; to: number } | { op: "extend"; extra: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("truncate" as const), to: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("extend" as const),
      extra: fc.uint8Array({ minLength: 1, maxLength: 600 }),
    }),
  },
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  switch (m.op) {
    case "flip": {
      const out = bytes.slice();
      out[m.at % out.length]! ^= 1 << m.bit;
      return out;
    }
    case "truncate":
      return bytes.slice(0, m.to % bytes.length);
    case "extend":
      return concat(bytes, m.extra);
  }
}

/** Refused then completed in full, or HANDSHAKE_FAILED: the two outcomes a bad ResumeHello may have. */
async function expectRefusedOrFailed(run: Promise<{ refused: boolean }>): Promise<"refused" | "failed"> {
  try {
    const a = await run;
    expect(a.refused).toBe(true);
    return "refused";
  } catch (err) {
    if (!(err instanceof SessionError)) throw err;
    expect(err.closeCode).toBe(CLOSE.HANDSHAKE_FAILED);
    return "failed";
  }
}

describe("a tampered ResumeHello", () => {
  test("any bit flip, truncation or extension is refused or fails the handshake, never resumes", async () => {
    await fc.assert(
      fc.asyncProperty(suiteArb, mutationArb, async (suite, m) => {
        await expectRefusedOrFailed(
          attempt(
            key,
            authority(key, () => T0 + 1000),
            offers.get(suite)!,
            (h) => mutate(h, m),
          ),
        );
      }),
      { numRuns: RUNS },
    );
  });

  test("a flip anywhere in the ticket or the binder is refused, and the full handshake then works", async () => {
    await fc.assert(
      fc.asyncProperty(suiteArb, fc.nat(), fc.nat(7), async (suite, at, bit) => {
        const offer = offers.get(suite)!;
        const span = offer.ticket.length + BINDER_LENGTH;
        const outcome = await expectRefusedOrFailed(
          attempt(
            key,
            authority(key, () => T0 + 1000),
            offer,
            (h) => {
              const out = h.slice();
              out[h.length - span + (at % span)]! ^= 1 << bit;
              return out;
            },
          ),
        );
        expect(outcome).toBe("refused");
      }),
      { numRuns: RUNS },
    );
  });

  test("arbitrary tickets and binders of every allowed length are refused", async () => {
    await fc.assert(
      fc.asyncProperty(
        suiteArb,
        fc.uint8Array({ minLength: 1, maxLength: MAX_TICKET_LENGTH }),
        async (suite, ticket) => {
          const offer = { ...offers.get(suite)!, ticket };
          expect(
            await expectRefusedOrFailed(
              attempt(
                key,
                authority(key, () => T0 + 1000),
                offer,
              ),
            ),
          ).toBe("refused");
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("an empty or oversized ticket fails the handshake (malformed, not refused)", async () => {
    for (const length of [0, MAX_TICKET_LENGTH + 1, 4000]) {
      const offer = { ...offers.get(SUITES.X25519_AES256GCM_SHA256)!, ticket: new Uint8Array(length) };
      const hello = attempt(
        key,
        authority(key, () => T0 + 1000),
        offer,
        (h) => {
          // The client encodes the length modulo 2^16; make the frame say what the test means.
          const out = h.slice();
          const at = 3 + 32 + 32 + 2 + 32;
          out[at] = (length >> 8) & 0xff;
          out[at + 1] = length & 0xff;
          return out;
        },
      );
      expect(await expectRefusedOrFailed(hello)).toBe("failed");
    }
  });
});

describe("the client after a ResumeHello", () => {
  test("any frame but an exact ResumeRefused or a valid ServerHello fails the handshake", async () => {
    await fc.assert(
      fc.asyncProperty(mutationArb, async (m) => {
        const offer = offers.get(SUITES.X25519_AES256GCM_SHA256)!;
        const client = new ClientHandshake({
          backend: nodeBackend,
          verifyServerKey: () => {},
          resumption: () => offer,
        });
        await client.onServerKey(encodeServerKey(key.spki));
        const err = await client
          .onServerHello(mutate(new Uint8Array([1, FRAME.RESUME_REFUSED]), m))
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SessionError);
        expect((err as SessionError).closeCode).toBe(CLOSE.HANDSHAKE_FAILED);
      }),
      { numRuns: RUNS },
    );
  });
});
