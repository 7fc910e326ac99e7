/**
 * The sign-in deadline (signin-deadline.ts) through a real gateway and nats-server. auth is a
 * stand-in so that it can be busy on cue: per username, how long it holds a login and what it
 * answers (a real auth answers AUTH_BUSY only under a storm this test cannot make reliably).
 */
import { describe, expect, it } from "vitest";
import { CLOSE } from "@sealroom/proto/close-codes";
import { AppError } from "@sealroom/proto/errors";
import { RawClient } from "./test/rawclient.js";
import { useGatewayWithStandIns } from "./test/stand-in-gateway.js";

const DEADLINE_MS = 1500;
const MAX_MS = 5000;
/** Logins per username the stand-in has answered. */
const seen = new Map<string, number>();

const busy = (retryAfterMs = 100) => ({ ok: false, error: { ...new AppError("AUTH_BUSY").toJSON(), retryAfterMs } });
/** Longer than the deadline: auth's hint in a storm can ask a client to wait several seconds. */
const LONG_HINT_MS = 2000;
const grant = (username: string) => ({
  ok: true,
  value: {
    user: { id: 4242, username },
    sessionId: "s-queued",
    ticket: "T".repeat(43),
    ticketExpiresAt: Date.now() + 3_600_000,
  },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the stand-in does with the n-th login (from 1) of a username: after how long, which answer. */
function answer(username: string, n: number): { afterMs: number; reply: object } {
  // The first login waits in the hash queue for most of a deadline, then is refused as busy.
  if (username === "queued") return n === 1 ? { afterMs: 1200, reply: busy() } : { afterMs: 0, reply: grant(username) };
  if (username === "told-to-wait")
    return n === 1 ? { afterMs: 0, reply: busy(LONG_HINT_MS) } : { afterMs: 0, reply: grant(username) };
  if (username === "guesser")
    return { afterMs: 150, reply: { ok: false, error: new AppError("AUTH_INVALID_CREDENTIALS").toJSON() } };
  // Busy for ever: a socket that never gets in.
  return { afterMs: 150, reply: busy() };
}

const env = useGatewayWithStandIns({ handshakeTimeoutMs: DEADLINE_MS, signInMaxMs: MAX_MS }, (auth) => {
  auth.subscribe("cmd.auth.login", {
    callback: (_err, msg) => {
      const { username } = msg.json<{ body: { username: string } }>().body;
      const n = (seen.get(username) ?? 0) + 1;
      seen.set(username, n);
      const { afterMs, reply } = answer(username, n);
      setTimeout(() => msg.respond(JSON.stringify(reply)), afterMs);
    },
  });
});

/** A connection past the handshake, not signed in. */
const anonymous = (): Promise<RawClient> => RawClient.connect(env.gw.wsUrl);

/** Logs in, waits 200 ms after each answer (expected to be `code`), again until the socket closes; returns the answers. */
async function loginUntilClosed(c: RawClient, username: string, code: string): Promise<number> {
  let answers = 0;
  for (let id = 1; ; id++) {
    await c.command(id, "auth.login", { username, password: "pw" });
    // Rejected once the socket has closed under the loop.
    const reply = await c.receive().catch(() => undefined);
    if (!reply) return answers;
    expect(reply).toMatchObject({ id, ok: false, error: { code } });
    answers++;
    await sleep(200);
  }
}

describe("the sign-in deadline", () => {
  it("regression: a login answered AUTH_BUSY keeps its connection past the deadline and then signs in (it was closed with 4004, and the client reconnected)", async () => {
    const c = await anonymous();
    await c.command(1, "auth.login", { username: "queued", password: "pw" });
    expect(await c.receive()).toMatchObject({ id: 1, ok: false, error: { code: "AUTH_BUSY" } });
    // 1.2 s at auth, then 0.6 s backing off: past the 1.5-s deadline since accept.
    await sleep(600);
    await c.command(2, "auth.login", { username: "queued", password: "pw" });
    expect(await c.receive()).toMatchObject({ id: 2, ok: true });
    // Signed in: a user command is forwarded (no one answers auth.renewTicket here: UNAVAILABLE),
    // where an anonymous socket would be refused, and the socket stays open past the deadline.
    await sleep(DEADLINE_MS);
    await c.command(3, "auth.renewTicket", {});
    expect(await c.receive()).toMatchObject({ id: 3, ok: false, error: { code: "UNAVAILABLE" } });
    c.ws.close();
  });

  it("regression: a client that waits as long as AUTH_BUSY's retryAfterMs asked keeps its connection (the deadline started over at 10 s whatever the hint)", async () => {
    const c = await anonymous();
    await c.command(1, "auth.login", { username: "told-to-wait", password: "pw" });
    expect(await c.receive()).toMatchObject({
      id: 1,
      ok: false,
      error: { code: "AUTH_BUSY", retryAfterMs: LONG_HINT_MS },
    });
    await sleep(LONG_HINT_MS);
    await c.command(2, "auth.login", { username: "told-to-wait", password: "pw" });
    expect(await c.receive()).toMatchObject({ id: 2, ok: true });
    c.ws.close();
  });

  it("an idle socket is closed at the deadline, after the handshake or before it", async () => {
    const signedNothing = await anonymous();
    const saidNothing = new RawClient(env.gw.wsUrl);
    await saidNothing.opened();
    expect((await signedNothing.closed).code).toBe(CLOSE.HANDSHAKE_TIMEOUT);
    expect((await saidNothing.closed).code).toBe(CLOSE.HANDSHAKE_TIMEOUT);
  });

  it("a wrong password does not start the deadline over: a socket guessing without pause is closed at the deadline, counting only the time between its guesses", async () => {
    const c = await anonymous();
    const answers = await loginUntilClosed(c, "guesser", "AUTH_INVALID_CREDENTIALS");
    expect((await c.closed).code).toBe(CLOSE.HANDSHAKE_TIMEOUT);
    // 150 ms at auth (not counted) and 200 ms of pause (counted) per guess: about 7 guesses fit in
    // the 1.5-s deadline; started over at each answer, the socket would have lasted to the 5-s
    // bound (14 rounds).
    expect(answers).toBeLessThan(11);
  }, 15_000);

  it("a socket whose logins are only ever refused as busy is closed at the bound, SIGN_IN_MAX_MS", async () => {
    const c = await anonymous();
    const answers = await loginUntilClosed(c, "never", "AUTH_BUSY");
    expect((await c.closed).code).toBe(CLOSE.HANDSHAKE_TIMEOUT);
    // Each round takes at least 350 ms: more than 5 answers means it outlived the 1.5-s deadline,
    // and the close above that it did not outlive the bound.
    expect(answers).toBeGreaterThan(5);
  }, 15_000);
});
