/**
 * Property-based tests of the encrypted session as the gateway enforces it (docs/PROTOCOL.md sections
 * 4.7, 4.8, 6.2, 12): any first frame other than a valid ClientHello, any tampered ClientHello,
 * ResumeHello (refused, or 4001) or ClientFinished, and any tampered, replayed, skipped or reflected record ends the connection with the
 * documented close code (4001 in the handshake, 4002 for records, 1009 past a size limit), on anonymous
 * and signed-in connections alike, and the gateway stays healthy for the next client.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { CLOSE } from "@sealroom/proto/close-codes";
import { ClientHandshake, FRAME, SessionError, concat, utf8 } from "@sealroom/proto/session";
import { nodeBackend } from "@sealroom/proto/session/node";
import { MAX_HANDSHAKE_FRAME_BYTES } from "@sealroom/proto/wire";
import { RawClient } from "./test/rawclient.js";
import { LIMITS_OUT_OF_THE_WAY, expectHealthy, useGatewayWithStandIns } from "./test/stand-in-gateway.js";

const RUNS = 40;
const USER_ID = 515151;
const SIGN_IN_NAME = `fuzz_${Math.random().toString(36).slice(2, 12)}`;

const env = useGatewayWithStandIns(LIMITS_OUT_OF_THE_WAY, (services) => {
  services.subscribe("cmd.auth.login", {
    callback: (_err, msg) => {
      const ok = (msg.json() as { body?: { username?: unknown } }).body?.username === SIGN_IN_NAME;
      msg.respond(
        JSON.stringify(
          ok
            ? {
                ok: true,
                value: {
                  user: { id: USER_ID, username: SIGN_IN_NAME },
                  sessionId: "fuzz-session",
                  ticket: "B".repeat(43),
                  ticketExpiresAt: Date.now() + 3_600_000,
                },
              }
            : {
                ok: false,
                error: { code: "AUTH_INVALID_CREDENTIALS", message: "Wrong username or password.", retryable: false },
              },
        ),
      );
    },
  });
});

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
    arbitrary: fc.record({ op: fc.constant("extend" as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
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

describe("the handshake at the gateway", () => {
  test("any first frame that is not a valid ClientHello closes with 4001 (1009 over 4 KiB)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 700 }),
          fc.uint8Array({ minLength: 4000, maxLength: 4200 }),
          fc.uint8Array({ maxLength: 400 }).map((b) => concat(Uint8Array.of(1, 2), b)),
        ),
        async (frame) => {
          const c = new RawClient(env.gw.wsUrl);
          await c.opened();
          await c.next(); // ServerKey
          c.send(frame);
          const { code } = await c.closed;
          expect(code).toBe(frame.length > MAX_HANDSHAKE_FRAME_BYTES ? CLOSE.TOO_BIG : CLOSE.HANDSHAKE_FAILED);
          await expectHealthy(env.gw);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("a tampered ClientHello is refused by the gateway (4001) or its ServerFinished fails at the client", async () => {
    await fc.assert(
      fc.asyncProperty(mutationArb, async (m) => {
        const c = new RawClient(env.gw.wsUrl);
        await c.opened();
        const err = await c.handshake((hello) => mutate(hello, m)).catch((e: unknown) => e);
        expect(err).toBeDefined();
        if (err instanceof SessionError) {
          // The gateway accepted the altered hello; it derived other keys, so the client refused them.
          expect(err.closeCode).toBe(CLOSE.HANDSHAKE_FAILED);
          c.ws.close();
        } else {
          const { code } = await c.closed;
          expect([CLOSE.HANDSHAKE_FAILED, CLOSE.TOO_BIG]).toContain(code);
        }
        await expectHealthy(env.gw);
      }),
      { numRuns: RUNS },
    );
  });

  test("a tampered ResumeHello is answered ResumeRefused (then a full handshake works) or closes with 4001", async () => {
    const first = await RawClient.connect(env.gw.wsUrl);
    await first.command(1, "no.such.command", {});
    await first.receive();
    first.ws.close();
    const offer = first.offer!;
    await fc.assert(
      fc.asyncProperty(mutationArb, async (m) => {
        const c = new RawClient(env.gw.wsUrl);
        await c.opened();
        const err = await c
          .handshake((hello) => mutate(hello, m), offer)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        if (err === undefined) {
          // The binder covers every byte before it: an altered hello never resumes.
          expect(c.refused).toBe(true);
          expect(c.resumed).toBe(false);
          c.ws.close();
        } else {
          const { code } = await c.closed;
          expect([CLOSE.HANDSHAKE_FAILED, CLOSE.TOO_BIG]).toContain(code);
        }
        await expectHealthy(env.gw);
      }),
      { numRuns: RUNS },
    );
  });

  test("a tampered ClientFinished closes with 4001", async () => {
    await fc.assert(
      fc.asyncProperty(mutationArb, async (m) => {
        const c = new RawClient(env.gw.wsUrl);
        await c.opened();
        const hs = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {} });
        c.send(await hs.onServerKey(await c.next()));
        await hs.onServerHello(await c.next());
        const { clientFinished } = await hs.onServerFinished(await c.next());
        c.send(mutate(clientFinished, m));
        expect((await c.closed).code).toBe(CLOSE.HANDSHAKE_FAILED);
        await expectHealthy(env.gw);
      }),
      { numRuns: RUNS },
    );
  });
});

type Attack =
  | { kind: "mutate"; m: Mutation }
  | { kind: "replay"; back: number }
  | { kind: "skip" }
  | { kind: "reorder" }
  | { kind: "reflect" }
  | { kind: "finished" };

const attackArb: fc.Arbitrary<Attack> = fc.oneof(
  { weight: 4, arbitrary: mutationArb.map((m) => ({ kind: "mutate" as const, m })) },
  { weight: 1, arbitrary: fc.nat().map((back) => ({ kind: "replay" as const, back })) },
  { weight: 1, arbitrary: fc.constant({ kind: "skip" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reorder" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reflect" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "finished" as const }) },
);

const ping = (id: number) => utf8(JSON.stringify({ t: "cmd", id, type: "no.such.command", body: {} }));

describe("records at the gateway", () => {
  test.each(["anonymous", "user"] as const)(
    "on a %s connection, a tampered, replayed, skipped, reordered or reflected record closes with 4002",
    async (state) => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 3 }), attackArb, async (before, attack) => {
          const c = await RawClient.connect(env.gw.wsUrl);
          const channel = c.channel!;
          const sent: Uint8Array[] = [];
          const roundTrip = async (plaintext: Uint8Array) => {
            const [f] = await channel.seal(FRAME.DATA, plaintext);
            sent.push(f!);
            c.send(f!);
            return c.receive();
          };
          if (state === "user") {
            const reply = await roundTrip(
              utf8(
                JSON.stringify({
                  t: "cmd",
                  id: 1,
                  type: "auth.login",
                  body: { username: SIGN_IN_NAME, password: "x" },
                }),
              ),
            );
            expect(reply).toMatchObject({ ok: true });
          }
          for (let i = 0; i < before; i++)
            expect(await roundTrip(ping(10 + i))).toMatchObject({ error: { code: "UNKNOWN_COMMAND" } });
          let expected: number = CLOSE.DECRYPT_FAILED;
          switch (attack.kind) {
            case "mutate": {
              const [f] = await channel.seal(FRAME.DATA, ping(99));
              c.send(mutate(f!, attack.m));
              break;
            }
            case "replay":
              if (sent.length === 0) return;
              c.send(sent[sent.length - 1 - (attack.back % sent.length)]!);
              break;
            case "skip":
              await channel.seal(FRAME.DATA, ping(98)); // never sent
              c.send((await channel.seal(FRAME.DATA, ping(99)))[0]!);
              break;
            case "reorder": {
              const [a] = await channel.seal(FRAME.DATA, ping(98));
              const [b] = await channel.seal(FRAME.DATA, ping(99));
              c.send(b!);
              c.send(a!);
              break;
            }
            case "reflect": {
              // A record the gateway sent, fed back to it: wrong direction, wrong key.
              c.send((await channel.seal(FRAME.DATA, ping(97)))[0]!);
              c.send(await c.next());
              break;
            }
            case "finished":
              // Authentic, but FINISHED after the handshake is a protocol error, not a decryption one.
              c.send((await channel.seal(FRAME.FINISHED, new Uint8Array(32)))[0]!);
              expected = CLOSE.PROTOCOL_ERROR;
              break;
          }
          expect((await c.closed).code).toBe(expected);
          await expectHealthy(env.gw);
        }),
        { numRuns: RUNS },
      );
    },
  );
});
