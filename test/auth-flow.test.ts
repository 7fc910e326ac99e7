/**
 * The account lifecycle through a real gateway and the real SDK: register, log in, resume with a
 * ticket, change the password, log out, against real NATS and SQLite.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppError, type SealroomClient } from "@sealroom/sdk/node";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateways: 2 });
});
afterAll(async () => {
  await stack?.stop();
});

const password = "correct horse battery staple";
let n = 0;
const uniqueName = () => `user_${process.pid}_${++n}`;

function waitFor<T>(client: SealroomClient, event: "signedIn" | "signedOut"): Promise<T> {
  return new Promise((resolve) => {
    const off = client.on(event, (arg) => {
      off();
      resolve(arg as T);
    });
  });
}

async function errorOf(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("account lifecycle", () => {
  test("register, log out, log in, resume after a drop, change password, log out everywhere", async () => {
    const name = uniqueName();
    const c = stack.client();
    await c.connect();
    const user = await c.register(name, password);
    expect(user.username).toBe(name);
    expect(c.state).toBe("ready");

    await c.logout();
    expect(c.user).toBeUndefined();
    await c.connect();
    expect(c.state).toBe("connected");
    await c.login(name, password);

    // A dropped connection comes back signed in, without the password, on a fresh handshake.
    const resumed = waitFor(c, "signedIn");
    c.reconnect();
    expect(await resumed).toMatchObject({ id: user.id });
    expect(c.state).toBe("ready");

    // A second device of the same user, on the other gateway, is revoked by the password change.
    const other = stack.client({ urls: [stack.wsUrls[1]!] });
    await other.connect();
    await other.login(name, password);
    const otherOut = waitFor<string>(other, "signedOut");
    await c.changePassword(password, `${password}!`);
    expect(await otherOut).toBe("revoked");
    expect((await errorOf(other.login(name, password))).code).toBe("AUTH_INVALID_CREDENTIALS");
    await other.login(name, `${password}!`);

    // The session that changed the password stays signed in and can still resume.
    const again = waitFor(c, "signedIn");
    c.reconnect();
    await again;

    const bothOut = waitFor<string>(other, "signedOut");
    await c.logout({ everywhere: true });
    expect(await bothOut).toBe("revoked");
  });

  test("a username is unique regardless of case and Unicode form", async () => {
    const c = stack.client();
    await c.connect();
    const base = `Case${process.pid}`;
    await c.register(base, password);
    await c.logout();
    await c.connect();
    expect((await errorOf(c.register(base.toLowerCase(), password))).code).toBe("USERNAME_TAKEN");
    const fullwidth = [...base].map((ch) => String.fromCodePoint(ch.codePointAt(0)! + 0xfee0)).join("");
    expect((await errorOf(c.register(fullwidth, password))).code).toBe("USERNAME_TAKEN");
  });

  test("Chinese usernames and passphrases with spaces work", async () => {
    const c = stack.client();
    await c.connect();
    const name = `张伟${n++}`;
    await c.register(name, "我的 密码 很长 很长");
    await c.logout();
    await c.connect();
    expect((await c.login(name, "我的 密码 很长 很长")).username).toBe(name);
  });
});

describe("bad input gets its documented error and the connection survives", () => {
  test.each([
    ["too short", "a", "USERNAME_INVALID"],
    ["with a space", "a b", "USERNAME_INVALID"],
    ["with a zero-width joiner", "ab\u200dcd", "USERNAME_INVALID"],
    ["with a bidi override", "ab\u202ecd", "USERNAME_INVALID"],
    ["with a control character", "ab\u0007cd", "USERNAME_INVALID"],
  ])("a username %s is refused", async (_what, username, code) => {
    const c = stack.client();
    await c.connect();
    expect((await errorOf(c.register(username, password))).code).toBe(code);
    expect((await errorOf(c.register(uniqueName(), "short"))).code).toBe("PASSWORD_INVALID");
    expect(c.state).toBe("connected");
    c.close();
  });

  test("wrong password and unknown user get the same error", async () => {
    const name = uniqueName();
    const c = stack.client();
    await c.connect();
    await c.register(name, password);
    await c.logout();
    await c.connect();
    const wrong = await errorOf(c.login(name, "not the password"));
    const unknown = await errorOf(c.login(`${name}_nobody`, "not the password"));
    expect(wrong.toJSON()).toEqual(unknown.toJSON());
    expect(wrong.code).toBe("AUTH_INVALID_CREDENTIALS");
  });

  test("repeated failures are throttled with a retry hint, even with the right password", async () => {
    const name = uniqueName();
    const c = stack.client();
    await c.connect();
    await c.register(name, password);
    await c.logout();
    await c.connect();
    for (let i = 0; i < 5; i++) await errorOf(c.login(name, "wrong password"));
    const throttled = await errorOf(c.login(name, password));
    expect(throttled.code).toBe("AUTH_THROTTLED");
    expect(throttled.retryable).toBe(true);
    expect(throttled.retryAfterMs).toBeGreaterThan(0);
  });

  test("commands that need a signed-in user are refused before sign-in", async () => {
    const c = stack.client();
    await c.connect();
    expect((await errorOf(c.request("auth.logout", { everywhere: false }))).code).toBe("NOT_AUTHENTICATED");
    expect((await errorOf(c.changePassword(password, password))).code).toBe("NOT_AUTHENTICATED");
  });

  test("sign-in commands are refused once signed in", async () => {
    const c = stack.client();
    await c.connect();
    await c.register(uniqueName(), password);
    expect((await errorOf(c.login("someone", password))).code).toBe("ALREADY_AUTHENTICATED");
  });

  test("an unknown command is refused; a malformed body is BAD_REQUEST", async () => {
    const c = stack.client();
    await c.connect();
    const unknown = await c.call("chat.nope" as never, {});
    expect(unknown).toMatchObject({ ok: false, error: { code: "UNKNOWN_COMMAND" } });
    const bad = await c.call("auth.login", { username: "x", password: 12 });
    expect(bad).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    const extra = await c.call("auth.login", { username: "x", password: "y", userId: 1 });
    expect(extra).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
  });

  test("a resume ticket presented twice: the second is taken for a retry, and the ticket it replaced revokes the session", async () => {
    const name = uniqueName();
    const c = stack.client();
    await c.connect();
    await c.register(name, password);
    const grant = await c.request("auth.renewTicket", {});
    // A thief replays the ticket first...
    const thief = stack.client();
    await thief.connect();
    const stolen = await thief.request("auth.resume", { ticket: grant.ticket });
    // ...the owner's resume with the same ticket, within the retry grace, looks like a lost reply's
    // retry: it gets the session, and the ticket the thief was given is replaced...
    const owner = stack.client();
    await owner.connect();
    const owned = await owner.request("auth.resume", { ticket: grant.ticket });
    expect(owned.sessionId).toBe(stolen.sessionId);
    // ...so the thief's next resume is reuse: refused, and the session ends for both.
    const again = stack.client();
    await again.connect();
    expect((await errorOf(again.request("auth.resume", { ticket: stolen.ticket }))).code).toBe("AUTH_TICKET_INVALID");
    const late = stack.client();
    await late.connect();
    expect((await errorOf(late.request("auth.resume", { ticket: owned.ticket }))).code).toBe("AUTH_TICKET_INVALID");
  });

  test("the gateway stays up after all of this", async () => {
    const res = await fetch(`${stack.httpUrl}/healthz`);
    expect(res.status).toBe(200);
    const metrics = (await Promise.all(stack.gateways.map((_g, i) => stack.gatewayMetrics(i)))).join("\n");
    expect(metrics).toMatch(/sealroom_gateway_handshakes_total\{[^}]*outcome="ok"/);
    expect(metrics).toMatch(/sealroom_gateway_errors_total\{[^}]*code="AUTH_INVALID_CREDENTIALS"/);
  });
});
