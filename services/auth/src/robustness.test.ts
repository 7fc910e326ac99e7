import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthSchema } from "@sealroom/proto/envelope";
import { resultSchema } from "@sealroom/proto/errors";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { defaultAuthConfig } from "./config.js";
import { ANON, ctxOf, setup, type Harness } from "./test/harness.js";
import { z } from "zod";

/** The fields of a log line these tests read (parsed, not cast). */
const logLine = z.object({ msg: z.string().optional(), account: z.string().optional() });

/** Every log line the service writes, at the most verbose level and without the runtime's redaction. */
const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(chunk.toString());
    done();
  },
});

let h: Harness;
beforeAll(async () => {
  h = await setup({ log: pino({ level: "trace" }, sink) });
});
afterAll(() => h.teardown());

const errorOf = (reply: unknown) => resultSchema(healthSchema).parse(reply);

describe("bad input", () => {
  it.each([
    ["not JSON", "{nope"],
    ["no context", JSON.stringify({ body: { username: "a", password: "b" } })],
    ["a context without ip", JSON.stringify({ ctx: { gatewayId: "g", connId: "c" }, body: {} })],
    ["a user id that is not a number", JSON.stringify({ ctx: { ...ANON, userId: "1" }, body: {} })],
  ])("answers an envelope with %s as BAD_REQUEST", async (_, payload) => {
    const reply = errorOf(await h.raw(SUBJECTS.command("auth.login"), payload));
    expect(reply.ok || reply.error.code).toBe("BAD_REQUEST");
  });

  it.each([
    ["a missing field", { username: "alice" }],
    ["an extra field", { username: "alice", password: "long enough", admin: true }],
    ["a wrong type", { username: 7, password: "long enough" }],
    ["an oversized field", { username: "a".repeat(129), password: "long enough" }],
  ])("answers a body with %s as BAD_REQUEST", async (_, body) => {
    const error = await h.fail("auth.register", body);
    expect(error.code).toBe("BAD_REQUEST");
  });

  it("answers an unknown command as UNKNOWN_COMMAND", async () => {
    const reply = errorOf(await h.raw("cmd.auth.deleteEverything", JSON.stringify({ ctx: ANON, body: {} })));
    expect(reply.ok || reply.error.code).toBe("UNKNOWN_COMMAND");
  });

  it.each([
    ["auth.logout", { everywhere: true }],
    ["auth.renewTicket", {}],
    ["auth.changePassword", { currentPassword: "old password", newPassword: "new password" }],
  ] as const)("answers %s without a signed-in context as NOT_AUTHENTICATED", async (type, body) => {
    const error = await h.fail(type, body, ANON);
    expect(error.code).toBe("NOT_AUTHENTICATED");
    const halfSigned = await h.fail(type, body, { ...ANON, userId: 1 });
    expect(halfSigned.code).toBe("NOT_AUTHENTICATED");
  });

  it("still answers health requests after all of that", async () => {
    const reply = resultSchema(healthSchema).parse(await h.raw(SUBJECTS.health("auth"), ""));
    expect(reply.ok && reply.value).toMatchObject({ service: "auth", instance: h.first.service.instance });
  });
});

describe("logging", () => {
  it("never writes passwords, tickets, session ids or hashes", async () => {
    const secrets: string[] = ["first secret pw", "second secret pw", "wrong secret pw"];
    const grant = await h.register("loggy", "first secret pw");
    await h.login("loggy", "wrong secret pw");
    await h.login("nobody-here", "wrong secret pw");
    const next = await h.ok("auth.resume", { ticket: grant.ticket });
    h.clock.advance(defaultAuthConfig.ticketRetryGraceMs + 1);
    await h.call("auth.resume", { ticket: grant.ticket }); // reuse: revokes, logs a warning
    const again = await h.login("loggy", "first secret pw");
    if (!again.ok) throw new Error(again.error.code);
    const changed = await h.ok(
      "auth.changePassword",
      { currentPassword: "first secret pw", newPassword: "second secret pw" },
      ctxOf(again.value),
    );
    // The password change moved that connection to a new session.
    await h.ok("auth.logout", { everywhere: true }, { ...ctxOf(again.value), sessionId: changed.sessionId });
    const { passwordHash } = await h.db.user.findUniqueOrThrow({ where: { id: grant.user.id } });
    secrets.push(
      grant.ticket,
      next.ticket,
      changed.ticket,
      grant.sessionId,
      again.value.sessionId,
      changed.sessionId,
      passwordHash,
    );

    const log = lines.join("");
    expect(log).toContain("password check failed");
    expect(log).toContain("resume ticket reused");
    for (const secret of secrets) expect(log).not.toContain(secret);
    expect(log).not.toContain("nobody-here");
  });

  it("regression: the account label in logs is keyed, so a name (or a password typed as one) cannot be recovered from it (it was the truncated SHA-256 of the name)", async () => {
    const from = lines.length;
    // A password typed into the username field, and a real name tried twice.
    await h.login("Tr0ub4dor&3", "correct horse");
    await h.login("victim61710", "wrong horse 1");
    await h.login("victim61710", "wrong horse 2");
    const labels = lines
      .slice(from)
      .map((l) => logLine.parse(JSON.parse(l)))
      .filter((l) => l.msg === "password check failed")
      .map((l) => l.account);
    expect(labels).toHaveLength(3);
    const [typed, first, second] = labels;
    // The same account gets the same label while the process lives, so an attack can be followed ...
    expect(first).toBe(second);
    expect(typed).not.toBe(first);
    // ... but no unkeyed hash of the name (a dictionary of names or passwords) matches it.
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    for (const name of ["tr0ub4dor&3", "victim61710"]) {
      for (const guess of [sha(name), sha(`u:${name}`)]) expect(labels).not.toContain(guess.slice(0, 12));
    }
    expect(lines.slice(from).join("")).not.toContain("Tr0ub4dor");
  });

  it("gives an account the same label on every instance and after restarts (a shared key), matching its throttle row", async () => {
    const labelOf = async () => {
      const from = lines.length;
      await h.login("labelled", "wrong horse 3");
      const line = lines
        .slice(from)
        .map((l) => logLine.parse(JSON.parse(l)))
        .find((l) => l.msg === "password check failed");
      return line?.account;
    };
    const before = await labelOf();
    // A fresh instance answers alone, as after a restart or on another machine.
    const other = await h.addInstance();
    await h.stopInstance(h.first);
    expect(await labelOf()).toBe(before);
    expect(h.instances).toEqual([other]);
    const rows = await h.db.authThrottle.findMany({ where: { key: { startsWith: `u:${before}` } } });
    expect(rows).toHaveLength(1);
  });
});
