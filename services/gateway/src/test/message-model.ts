/**
 * The gateway message fuzz suite's model and runner (messages.fuzz.test.ts): a real gateway and
 * nats-server with stand-in services on NATS (`cmd.>`: auth.login with one secret username signs
 * in, every other command is answered NOT_FOUND), the model of what docs/PROTOCOL.md says the
 * gateway does with one DATA plaintext (`expectedOutcome`), and `runCase`, which sends one
 * plaintext and checks the reply or close code, what reached NATS and the gateway's health after.
 */
import { expect } from "vitest";
import { CLOSE } from "@sealroom/proto/close-codes";
import { COMMANDS } from "@sealroom/proto/commands";
import { commandEnvelopeSchema } from "@sealroom/proto/envelope";
import { parseUntrusted } from "@sealroom/proto/parse";
import { FRAME } from "@sealroom/proto/session";
import { MAX_ANONYMOUS_FRAME_BYTES, MAX_MESSAGE_BYTES, serverMessageSchema } from "@sealroom/proto/wire";
import { RawClient } from "./rawclient.js";
import {
  LIMITS_OUT_OF_THE_WAY,
  expectHealthy,
  useGatewayWithStandIns,
  type StandInGateway,
} from "./stand-in-gateway.js";

const RECORD_OVERHEAD = 26;
const USER_ID = 424242;
const SIGN_IN_NAME = `fuzz_${Math.random().toString(36).slice(2, 12)}`;

let env: StandInGateway;
/** Envelopes the stand-in services received during the current case. */
let forwarded: { type: string; data: unknown }[] = [];

/**
 * Starts a nats-server, a gateway with limits out of the way and the stand-in services before the
 * calling file's tests, and stops them after.
 */
export function useMessageGateway(): void {
  env = useGatewayWithStandIns(LIMITS_OUT_OF_THE_WAY, (services) => {
    services.subscribe("cmd.>", {
      callback: (_err, msg) => {
        const type = msg.subject.slice("cmd.".length);
        const data: unknown = msg.json();
        const body = (data as { body?: { username?: unknown } }).body;
        if (type === "auth.login" && body?.username === SIGN_IN_NAME) {
          msg.respond(
            JSON.stringify({
              ok: true,
              value: {
                user: { id: USER_ID, username: SIGN_IN_NAME },
                sessionId: "fuzz-session",
                ticket: "A".repeat(43),
                ticketExpiresAt: Date.now() + 3_600_000,
              },
            }),
          );
          return;
        }
        forwarded.push({ type, data });
        msg.respond(
          JSON.stringify({ ok: false, error: { code: "NOT_FOUND", message: "Not found.", retryable: false } }),
        );
      },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The model: what docs/PROTOCOL.md says the gateway does with one DATA plaintext
// ---------------------------------------------------------------------------------------------

export type State = "anonymous" | "user";
export type Outcome = { close: number } | { reply: string; forwarded: boolean };

export const LIMIT: Record<State, number> = {
  anonymous: MAX_ANONYMOUS_FRAME_BYTES - RECORD_OVERHEAD,
  user: MAX_MESSAGE_BYTES,
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

export function expectedOutcome(plaintext: Uint8Array, state: State): Outcome {
  // 2.2: frame size by state, checked before anything else.
  if (plaintext.length > LIMIT[state]) return { close: CLOSE.TOO_BIG };
  // 7: one UTF-8 JSON value (WHATWG UTF-8 decoding: a leading BOM is dropped, invalid bytes are fatal).
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch {
    return { close: CLOSE.PROTOCOL_ERROR };
  }
  // 7.1: exactly {t, id, type, body}.
  if (!isPlainObject(json)) return { close: CLOSE.PROTOCOL_ERROR };
  const keys = Object.keys(json);
  if (keys.length !== 4 || !["t", "id", "type", "body"].every((k) => keys.includes(k)))
    return { close: CLOSE.PROTOCOL_ERROR };
  const { t, id, type, body } = json;
  if (t !== "cmd") return { close: CLOSE.PROTOCOL_ERROR };
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 2 ** 31) return { close: CLOSE.PROTOCOL_ERROR };
  // Lengths are counted as the schemas count them: zod (4.6) counts code points, not UTF-16 units.
  if (typeof type !== "string" || [...type].length < 1 || [...type].length > 64) return { close: CLOSE.PROTOCOL_ERROR };
  // 8: unknown type, then access state, then the body.
  if (!Object.hasOwn(COMMANDS, type)) return { reply: "UNKNOWN_COMMAND", forwarded: false };
  const spec = COMMANDS[type as keyof typeof COMMANDS];
  if (spec.access === "user" && state !== "user") return { reply: "NOT_AUTHENTICATED", forwarded: false };
  if (spec.access === "anonymous" && state === "user") return { reply: "ALREADY_AUTHENTICATED", forwarded: false };
  if (!parseUntrusted(spec.body, body).success) return { reply: "BAD_REQUEST", forwarded: false };
  return { reply: "NOT_FOUND", forwarded: true };
}

// ---------------------------------------------------------------------------------------------
// Running one case against the gateway
// ---------------------------------------------------------------------------------------------

async function connect(state: State): Promise<RawClient> {
  const c = await RawClient.connect(env.gw.wsUrl);
  if (state === "user") {
    await c.command(1, "auth.login", { username: SIGN_IN_NAME, password: "fuzz password" });
    expect(await c.receive()).toMatchObject({ id: 1, ok: true });
  }
  return c;
}

/** The next reply, or the close code if the gateway closed instead. */
async function outcomeOf(c: RawClient): Promise<{ reply: unknown } | { close: number }> {
  try {
    return { reply: await c.receive() };
  } catch {
    return { close: (await c.closed).code };
  }
}

export const seen = new Map<string, number>();

/** Sends one plaintext in a valid DATA record and checks what happens against the model. */
export async function runCase(state: State, plaintext: Uint8Array): Promise<void> {
  const c = await connect(state);
  forwarded = [];
  const expected = expectedOutcome(plaintext, state);
  try {
    const frames = await c.channel!.seal(FRAME.DATA, plaintext);
    for (const f of frames) c.send(f);
    const got = await outcomeOf(c);
    if ("close" in expected) {
      expect(got).toEqual({ close: expected.close });
      seen.set(String(expected.close), (seen.get(String(expected.close)) ?? 0) + 1);
    } else {
      if (!("reply" in got))
        throw new Error(`expected a ${expected.reply} reply, the gateway closed with ${got.close}`);
      const reply = serverMessageSchema.parse(got.reply);
      expect(reply).toMatchObject({ t: "reply", ok: false, error: { code: expected.reply } });
      seen.set(expected.reply, (seen.get(expected.reply) ?? 0) + 1);
      // 8: a command reaches its service only with a valid body and the gateway's stamp.
      expect(forwarded.length).toBe(expected.forwarded ? 1 : 0);
      for (const f of forwarded) {
        const env = commandEnvelopeSchema.parse(f.data);
        expect(COMMANDS[f.type as keyof typeof COMMANDS].body.safeParse(env.body).success).toBe(true);
        if (state === "user") expect(env.ctx).toMatchObject({ userId: USER_ID, sessionId: "fuzz-session" });
        else expect(env.ctx.userId).toBeUndefined();
      }
      // The connection survives a refused command.
      await c.command(7, "no.such.command", {});
      expect(await c.receive()).toMatchObject({ id: 7, ok: false, error: { code: "UNKNOWN_COMMAND" } });
    }
  } finally {
    c.ws.close();
  }
  await expectHealthy(env.gw);
}
