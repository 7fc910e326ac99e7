/**
 * Property-based tests of the handshake state machines (docs/PROTOCOL.md section 4) on the node
 * backend: any bit flip, truncation or extension of an exchanged frame, and any reordering,
 * duplication, reflection or cross-session replay of frames, makes a side throw a SessionError with
 * HANDSHAKE_FAILED (or the client's pin check fail); a side never completes with keys that differ from
 * its peer's, and a message that does not fit a side's state is refused at once. The exchange the
 * cases drive, and the checks they end with, are in test/handshake-exchange.ts.
 */
import { beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { CLOSE } from "../close-codes.js";
import { SUITES, type ServerKey, type Suite } from "./backend.js";
import { concat } from "./bytes.js";
import { ClientHandshake } from "./handshake.js";
import { generateServerKeyPem, nodeBackend, nodeServerKey } from "./node.js";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { encodeServerKey } from "./frames.js";
import {
  Exchange,
  expectHandshakeFailure,
  expectNoSilentDisagreement,
  HANDLERS,
  honest,
  SLOTS,
  type Frames,
  type Slot,
} from "./test/handshake-exchange.js";

const RUNS = 250;

let serverKey: ServerKey;
beforeAll(() => {
  serverKey = nodeServerKey(generateServerKeyPem(2048));
});

// ---------------------------------------------------------------------------------------------
// Tampering with one frame of an honest exchange
// ---------------------------------------------------------------------------------------------

type Mutation =
  { op: "flip"; at: number; bit: number } | { op: "truncate"; to: number } | { op: "extend"; extra: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("truncate" as const), to: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("extend" as const), extra: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
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

const suiteArb = fc.constantFrom<Suite>(SUITES.X25519_AES256GCM_SHA256, SUITES.P256_AES256GCM_SHA256);

describe("one tampered frame", () => {
  test("any single bit flip, truncation or extension of any handshake frame fails the handshake", async () => {
    await fc.assert(
      fc.asyncProperty(
        suiteArb,
        fc.boolean(),
        fc.integer({ min: 0, max: HANDLERS.length - 1 }),
        mutationArb,
        async (suite, pinned, target, m) => {
          const x = new Exchange(serverKey, suite, pinned);
          let failure: unknown;
          let failedAt = -1;
          for (let h = 0; h < HANDLERS.length; h++) {
            const frame = x.frames[HANDLERS[h]!.slot]!;
            try {
              await x.deliver(h, h === target ? mutate(frame, m) : frame);
            } catch (err) {
              failure = err;
              failedAt = h;
              break;
            }
          }
          expect(failedAt).toBeGreaterThanOrEqual(target);
          expectHandshakeFailure(failure, pinned && target === 0);
          // The server never completes; the client only when the tampered frame is its own last one.
          expect(x.serverChannel).toBeUndefined();
          if (target !== 4) expect(x.clientChannel).toBeUndefined();
          await expectNoSilentDisagreement(x);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("with a pin, a changed server key is refused before the client sends anything", async () => {
    await fc.assert(
      fc.asyncProperty(suiteArb, mutationArb, async (suite, m) => {
        const x = new Exchange(serverKey, suite, true);
        const err = await x.deliver(0, mutate(x.frames.serverKey!, m)).catch((e: unknown) => e);
        expectHandshakeFailure(err, true);
        expect(x.frames.clientHello).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Reordering, duplication, reflection and replay across sessions
// ---------------------------------------------------------------------------------------------

interface Action {
  handler: number;
  /** Where the delivered frame comes from: this session, or an earlier honest session. */
  source: "current" | "old";
  slot: Slot;
}

const HONEST: Action[] = HANDLERS.map((h, i) => ({ handler: i, source: "current", slot: h.slot }));

const actionArb: fc.Arbitrary<Action> = fc.record({
  handler: fc.integer({ min: 0, max: HANDLERS.length - 1 }),
  source: fc.constantFrom("current" as const, "old" as const),
  slot: fc.constantFrom(...SLOTS),
});

type Edit =
  | { op: "swap"; at: number }
  | { op: "duplicate"; at: number }
  | { op: "drop"; at: number }
  | { op: "replace"; at: number; action: Action };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant("swap" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(), action: actionArb }),
);

function edit(schedule: Action[], e: Edit): Action[] {
  const s = schedule.slice();
  if (s.length === 0) return s;
  const at = e.at % s.length;
  switch (e.op) {
    case "swap":
      if (at + 1 < s.length) [s[at], s[at + 1]] = [s[at + 1]!, s[at]!];
      return s;
    case "duplicate":
      s.splice(at, 0, s[at]!);
      return s;
    case "drop":
      s.splice(at, 1);
      return s;
    case "replace":
      s[at] = e.action;
      return s;
  }
}

const scheduleArb: fc.Arbitrary<Action[]> = fc.oneof(
  fc.array(editArb, { minLength: 1, maxLength: 3 }).map((edits) => edits.reduce(edit, HONEST)),
  fc.array(actionArb, { minLength: 1, maxLength: 7 }),
);

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

describe("reordered, duplicated and replayed frames", () => {
  const old = new Map<Suite, Required<Frames>>();
  beforeAll(async () => {
    for (const suite of [SUITES.X25519_AES256GCM_SHA256, SUITES.P256_AES256GCM_SHA256] as const) {
      old.set(suite, await honest(serverKey, suite));
    }
  });

  test("any deviation from the honest exchange fails before both sides complete, and never silently", async () => {
    await fc.assert(
      fc.asyncProperty(suiteArb, scheduleArb, async (suite, schedule) => {
        const x = new Exchange(serverKey, suite, true);
        let honestPrefix = 0;
        let failed = false;
        for (const [i, action] of schedule.entries()) {
          const current = x.frames[action.slot];
          const frame = action.source === "current" && current ? current : old.get(suite)![action.slot];
          // The ServerKey frame of an earlier session is byte-identical (one long-term key), so
          // "honest" is judged by the bytes delivered, not by where they came from.
          const expected = HONEST[i] && x.frames[HONEST[i].slot];
          const honestHere =
            HONEST[i] !== undefined &&
            action.handler === HONEST[i].handler &&
            expected !== undefined &&
            sameBytes(frame, expected);
          if (honestHere && honestPrefix === i) honestPrefix++;
          const outOfState = x.stepOf(action.handler) !== Exchange.legalStep(action.handler);
          try {
            await x.deliver(action.handler, frame);
          } catch (err) {
            expectHandshakeFailure(err, false);
            failed = true;
            break;
          }
          // A message that does not fit the receiving side's state is refused at once.
          expect(outOfState).toBe(false);
        }
        await expectNoSilentDisagreement(x);
        if (honestPrefix === HONEST.length) expect(x.clientChannel && x.serverChannel).toBeDefined();
        // Both sides complete only on the honest exchange (what follows it is refused, above).
        if (x.clientChannel && x.serverChannel) expect(honestPrefix).toBe(HONEST.length);
        if (honestPrefix === schedule.length) expect(failed).toBe(false);
      }),
      {
        numRuns: RUNS,
        // Once misjudged as dishonest: the old session's ServerKey is the same bytes as this one's.
        examples: [
          [SUITES.X25519_AES256GCM_SHA256, [{ handler: 0, source: "old", slot: "serverKey" }, ...HONEST.slice(1)]],
        ],
      },
    );
  });

  test.each([
    ["Finished before ClientHello (server)", "server", (x: Exchange) => x.server.onClientFinished(new Uint8Array(58))],
    ["ServerHello before ServerKey (client)", "client", (x: Exchange) => x.client.onServerHello(new Uint8Array(69))],
    ["Finished before ServerHello (client)", "client", (x: Exchange) => x.client.onServerFinished(new Uint8Array(58))],
  ] as const)("%s is refused with HANDSHAKE_FAILED", async (_name, _side, call) => {
    const x = new Exchange(serverKey, SUITES.X25519_AES256GCM_SHA256, true);
    await expect(call(x)).rejects.toMatchObject({ closeCode: CLOSE.HANDSHAKE_FAILED });
  });

  test("every handler refuses a second message after the handshake is done", async () => {
    const x = new Exchange(serverKey, SUITES.X25519_AES256GCM_SHA256, true);
    for (let h = 0; h < HANDLERS.length; h++) await x.deliver(h, x.frames[HANDLERS[h]!.slot]!);
    for (let h = 0; h < HANDLERS.length; h++) {
      const err = await x.deliver(h, x.frames[HANDLERS[h]!.slot]!).catch((e: unknown) => e);
      expectHandshakeFailure(err, false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Trust on first use: what the pin policy gets to see
// ---------------------------------------------------------------------------------------------

/** An RSA public key the server side could use: 2048 to 4096 bits (a 256..512-byte ciphertext). */
function usableRsa(spki: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    const bytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
    return key.asymmetricKeyType === "rsa" && bytes >= 256 && bytes <= 512;
  } catch {
    return false;
  }
}

/** A client with a trust-on-first-use store that pins whatever its policy is shown. */
function tofuClient(suite: Suite): { client: ClientHandshake; pinned: Uint8Array[] } {
  const pinned: Uint8Array[] = [];
  const client = new ClientHandshake({
    backend: nodeBackend,
    suites: [suite],
    verifyServerKey: (spki) => void pinned.push(spki),
  });
  return { client, pinned };
}

const spkiOf = (key: ReturnType<typeof generateKeyPairSync>["publicKey"]) =>
  new Uint8Array(key.export({ format: "der", type: "spki" }));

describe("trust on first use", () => {
  test("only a usable RSA key of 2048 to 4096 bits ever reaches the pin policy", async () => {
    await fc.assert(
      fc.asyncProperty(suiteArb, mutationArb, async (suite, m) => {
        const { client, pinned } = tofuClient(suite);
        const err = await client.onServerKey(mutate(encodeServerKey(serverKey.spki), m)).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (err !== undefined) expectHandshakeFailure(err, false);
        for (const spki of pinned) expect(usableRsa(spki)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  test.each([
    ["an EC key", () => spkiOf(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey)],
    ["an Ed25519 key", () => spkiOf(generateKeyPairSync("ed25519").publicKey)],
    ["a 1024-bit RSA key", () => spkiOf(generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey)],
  ])("a server key that cannot be used (%s) is refused before it can be pinned", async (_what, make) => {
    // It used to reach the pin policy first, so trust on first use pinned a key no server could use,
    // and the real server's key then looked like a changed key.
    const { client, pinned } = tofuClient(SUITES.X25519_AES256GCM_SHA256);
    await expect(client.onServerKey(encodeServerKey(make()))).rejects.toMatchObject({
      closeCode: CLOSE.HANDSHAKE_FAILED,
    });
    expect(pinned).toEqual([]);
  });
});
