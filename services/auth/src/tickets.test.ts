import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { engineOfDb } from "@sealroom/db";
import { createMetrics } from "@sealroom/runtime";
import { testEngine } from "@sealroom/testkit";
import { defaultAuthConfig } from "./config.js";
import { createAuthMetrics } from "./metrics.js";
import { createSessions } from "./sessions.js";
import { createStore, type Store } from "./store.js";
import { sessionGrantSchema, type SessionGrant } from "@sealroom/proto/auth";
import { ctxOf, setup, type Harness } from "./test/harness.js";

const HOUR = 60 * 60 * 1000;

let h: Harness;
let n = 0;
const GRACE = defaultAuthConfig.ticketRetryGraceMs;
const sessionsOf = (store: Store, ticketRetryGraceMs = GRACE) =>
  createSessions({
    store,
    clock: h.clock.now,
    config: { sessionTtlMs: 48 * HOUR, ticketTtlMs: 24 * HOUR, ticketRetryGraceMs },
    publish: () => {},
    log: pino({ level: "silent" }),
    metrics: createAuthMetrics(createMetrics("auth")),
  });
beforeAll(async () => {
  h = await setup({ config: { sessionTtlMs: 48 * HOUR } });
});
afterAll(() => h.teardown());

/** A fresh user per test, so tests do not share sessions. */
const newUser = () => h.register(`user${++n}`, "correct horse");
const resume = (ticket: string) => h.call("auth.resume", { ticket });
const loginGrant = async (name: string) => {
  const r = await h.login(name, "correct horse");
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
};

describe("tickets at rest (SECURITY.md section 5)", () => {
  it("stores every ticket it hands out only as its SHA-256: no row of the database holds one", async () => {
    const grant = await newUser();
    const next = await h.ok("auth.resume", { ticket: grant.ticket });
    const renewed = await h.ok("auth.renewTicket", {}, ctxOf(next));
    const changed = await h.ok(
      "auth.changePassword",
      { currentPassword: "correct horse", newPassword: "another horse" },
      ctxOf(next),
    );
    const issued = [grant.ticket, next.ticket, renewed.ticket, changed.ticket];
    const hashes = (await h.db.ticket.findMany({ select: { hash: true } })).map((t) => t.hash);
    // Spent tickets are kept (reuse detection); the password change deleted the unused renewed one.
    for (const ticket of [grant.ticket, next.ticket, changed.ticket]) {
      expect(hashes).toContain(createHash("sha256").update(ticket).digest("hex"));
    }
    // Nothing anywhere in the database: dump every table as text and look for each raw ticket.
    const tables = await h.db.$queryRawUnsafe<Array<{ name: string }>>(
      engineOfDb(h.db) === "postgresql"
        ? `SELECT tablename::text AS name FROM pg_tables WHERE schemaname = current_schema()` // ::text: adapter-pg cannot read the `name` type
        : `SELECT name FROM sqlite_master WHERE type = 'table'`,
    );
    expect(tables.map((t) => t.name)).toContain("Ticket");
    let dump = "";
    for (const { name } of tables) {
      dump += JSON.stringify(await h.db.$queryRawUnsafe(`SELECT * FROM "${name}"`), (_k, v: unknown) =>
        typeof v === "bigint" ? String(v) : v,
      );
    }
    for (const ticket of issued) expect(dump).not.toContain(ticket);
  });
});

describe("auth.resume", () => {
  it("regression: a failure while issuing the next ticket leaves the presented one usable (it was consumed alone, so the retry looked like theft and revoked the session)", async () => {
    const grant = await newUser();
    const revoked = await h.revocations();
    // Fault injection in the real database: every new ticket fails until the trigger goes.
    const postgres = engineOfDb(h.db) === "postgresql";
    if (postgres) {
      await h.db.$executeRawUnsafe(
        `CREATE FUNCTION "fail_next_ticket"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$`,
      );
      await h.db.$executeRawUnsafe(
        `CREATE TRIGGER "fail_next_ticket" BEFORE INSERT ON "Ticket" FOR EACH ROW EXECUTE FUNCTION "fail_next_ticket"()`,
      );
    } else {
      await h.db.$executeRawUnsafe(
        `CREATE TRIGGER "fail_next_ticket" BEFORE INSERT ON "Ticket" BEGIN SELECT RAISE(ABORT, 'injected'); END`,
      );
    }
    try {
      expect((await resume(grant.ticket)).ok).toBe(false);
    } finally {
      await h.db.$executeRawUnsafe(
        postgres ? `DROP TRIGGER "fail_next_ticket" ON "Ticket"` : `DROP TRIGGER "fail_next_ticket"`,
      );
      if (postgres) await h.db.$executeRawUnsafe(`DROP FUNCTION "fail_next_ticket"()`);
    }
    const retried = await h.ok("auth.resume", { ticket: grant.ticket });
    expect(retried).toMatchObject({ user: grant.user, sessionId: grant.sessionId });
    expect(await revoked.settle()).toEqual([]);
    revoked.stop();
  });

  it("signs the same session in again and hands out the next ticket", async () => {
    const grant = await newUser();
    const next = await h.ok("auth.resume", { ticket: grant.ticket });
    expect(sessionGrantSchema.parse(next)).toEqual(next);
    expect(next).toMatchObject({ user: grant.user, sessionId: grant.sessionId });
    expect(next.ticket).not.toBe(grant.ticket);
    const third = await h.ok("auth.resume", { ticket: next.ticket });
    expect(third.sessionId).toBe(grant.sessionId);
  });

  it("treats a ticket presented again after the retry grace as theft: refuses it and revokes the whole session", async () => {
    const grant = await newUser();
    const other = await loginGrant(grant.user.username);
    const revoked = await h.revocations();
    const next = await h.ok("auth.resume", { ticket: grant.ticket });
    h.clock.advance(GRACE);

    const reuse = await resume(grant.ticket);
    expect(reuse).toEqual({
      ok: false,
      error: {
        code: "AUTH_TICKET_INVALID",
        message: "The saved session is no longer valid. Sign in again.",
        retryable: false,
      },
    });
    expect(await revoked.next()).toEqual([{ userId: grant.user.id, sessionIds: [grant.sessionId] }]);
    // The legitimate holder's newer ticket dies with the session; other sessions live on.
    expect((await resume(next.ticket)).ok).toBe(false);
    expect((await resume(other.ticket)).ok).toBe(true);
    // A second replay revokes nothing new and publishes nothing.
    expect((await resume(grant.ticket)).ok).toBe(false);
    expect(await revoked.settle()).toHaveLength(1);
    revoked.stop();
  });

  it("answers a retry within the grace (the reply was lost) with a fresh ticket for the same session, as often as the reply is lost", async () => {
    const grant = await newUser();
    const revoked = await h.revocations();
    const lost = await h.ok("auth.resume", { ticket: grant.ticket });
    h.clock.advance(GRACE / 3);
    const retried = await h.ok("auth.resume", { ticket: grant.ticket });
    expect(retried).toMatchObject({ user: grant.user, sessionId: grant.sessionId });
    expect(retried.ticket).not.toBe(lost.ticket);
    h.clock.advance(GRACE / 3);
    const again = await h.ok("auth.resume", { ticket: grant.ticket });
    expect(again.sessionId).toBe(grant.sessionId);
    // One ticket of the session is usable: the last one handed out.
    const unused = await h.db.ticket.findMany({ where: { sessionId: grant.sessionId, usedAt: null } });
    expect(unused).toHaveLength(1);
    expect((await h.ok("auth.resume", { ticket: again.ticket })).sessionId).toBe(grant.sessionId);
    expect(await revoked.settle()).toEqual([]);
    revoked.stop();
  });

  it("treats a ticket that a retry replaced as theft: whoever holds the lost reply's ticket ends the session", async () => {
    const grant = await newUser();
    const revoked = await h.revocations();
    const delivered = await h.ok("auth.resume", { ticket: grant.ticket });
    // A copy of the spent ticket, presented within the grace, looks like a retry and gets a session...
    const copy = await h.ok("auth.resume", { ticket: grant.ticket });
    h.clock.advance(60 * 60 * 1000);
    // ...until the owner presents the ticket it was given, which the retry replaced.
    expect((await resume(delivered.ticket)).ok).toBe(false);
    expect(await revoked.next()).toEqual([{ userId: grant.user.id, sessionIds: [grant.sessionId] }]);
    revoked.stop();
    expect((await resume(copy.ticket)).ok).toBe(false);
  });

  it("treats a spent ticket as theft, even within the grace, once the session has resumed with a later one", async () => {
    const grant = await newUser();
    const revoked = await h.revocations();
    const next = await h.ok("auth.resume", { ticket: grant.ticket });
    await h.ok("auth.resume", { ticket: next.ticket });
    expect((await resume(grant.ticket)).ok).toBe(false);
    expect(await revoked.next()).toEqual([{ userId: grant.user.id, sessionIds: [grant.sessionId] }]);
    revoked.stop();
  });

  it("with the grace set to 0, treats every second presentation as theft", async () => {
    const store = createStore(h.db, h.databaseUrl);
    try {
      const sessions = sessionsOf(store, 0);
      const grant = await newUser();
      await sessions.resume(grant.ticket);
      await expect(sessions.resume(grant.ticket)).rejects.toMatchObject({ code: "AUTH_TICKET_INVALID" });
      const session = await h.db.session.findUniqueOrThrow({ where: { id: grant.sessionId } });
      expect(session.revokedAt).not.toBeNull();
    } finally {
      await store.close();
    }
  });

  it("refuses a ticket that never existed", async () => {
    const reply = await resume("A".repeat(43));
    expect(reply.ok || reply.error.code).toBe("AUTH_TICKET_INVALID");
  });

  it("refuses a malformed ticket as BAD_REQUEST", async () => {
    const reply = await resume("too-short");
    expect(reply.ok || reply.error.code).toBe("BAD_REQUEST");
  });

  it("refuses an expired ticket (24 h) without revoking the session", async () => {
    const grant = await newUser();
    const other = await loginGrant(grant.user.username);
    const revoked = await h.revocations();
    h.clock.advance(24 * HOUR);
    expect((await resume(grant.ticket)).ok || "refused").toBe("refused");
    expect(await revoked.settle()).toEqual([]);
    revoked.stop();
    // The session itself is alive: renewing from it gives a working ticket.
    const renewed = await h.ok("auth.renewTicket", {}, ctxOf(grant));
    expect((await resume(renewed.ticket)).ok).toBe(true);
    expect(other.sessionId).not.toBe(grant.sessionId);
  });

  it("ends every session at its absolute expiry, however often it resumed", async () => {
    const grant = await newUser();
    h.clock.advance(23 * HOUR);
    const next = await h.ok("auth.resume", { ticket: grant.ticket });
    h.clock.advance(23 * HOUR);
    const last = await h.ok("auth.resume", { ticket: next.ticket });
    // The session (48 h) ends before the ticket's 24 h would.
    expect(last.ticketExpiresAt).toBe(h.clock.now() + 2 * HOUR);
    h.clock.advance(2 * HOUR);
    expect((await resume(last.ticket)).ok).toBe(false);
    const renew = await h.call("auth.renewTicket", {}, ctxOf(grant));
    expect(renew.ok || renew.error.code).toBe("NOT_AUTHENTICATED");
  });

  // PostgreSQL only: on SQLite two clients of ONE process that start transactions in the same
  // macrotask stall each other in better-sqlite3's synchronous busy wait (the test below covers one
  // client there; test/scale-out.test.ts covers processes).
  it.runIf(testEngine() === "postgresql")(
    "leaves one usable ticket after simultaneous resumes with one ticket, on two instances with their own database clients",
    async () => {
      const second = await h.addInstance();
      // Each with a connection pool of its own, as on two hosts.
      const stores = h.instances.map((i) => createStore(i.db, h.databaseUrl));
      try {
        for (let round = 0; round < 5; round++) {
          const grant = await newUser();
          // Two clients of their own consume the ticket (two hosts, one database), twice each.
          const direct = await Promise.all(
            stores.flatMap((store) =>
              [0, 1].map(() =>
                sessionsOf(store)
                  .resume(grant.ticket)
                  .then(
                    () => true,
                    () => false,
                  ),
              ),
            ),
          );
          // The first consumed it; the others, within the grace, were retries that replaced its
          // successor: however they interleaved, the session is left with one usable ticket.
          expect(direct.filter(Boolean).length).toBeGreaterThanOrEqual(1);
          const unused = await h.db.ticket.findMany({ where: { sessionId: grant.sessionId, usedAt: null } });
          expect(unused).toHaveLength(1);
        }
      } finally {
        await Promise.all(stores.map((s) => s.close()));
        await h.stopInstance(second);
      }
    },
  );

  it("leaves one usable ticket after several simultaneous resumes with one ticket (retries racing the first attempt)", async () => {
    const grant = await newUser();
    const replies = await Promise.all(Array.from({ length: 5 }, () => resume(grant.ticket)));
    const tickets = replies.flatMap((r) => (r.ok ? [r.value.ticket] : []));
    expect(tickets.length).toBeGreaterThanOrEqual(1);
    const unused = await h.db.ticket.findMany({ where: { sessionId: grant.sessionId, usedAt: null } });
    expect(unused).toHaveLength(1);
    const alive = await h.db.session.findUniqueOrThrow({ where: { id: grant.sessionId } });
    expect(alive.revokedAt).toBeNull();
  });
});

describe("auth.renewTicket", () => {
  it("replaces the session's ticket; the new one resumes the same session", async () => {
    const grant = await newUser();
    const revoked = await h.revocations();
    const renewed = await h.ok("auth.renewTicket", {}, ctxOf(grant));
    expect(renewed.ticket).not.toBe(grant.ticket);
    expect(await revoked.settle()).toEqual([]);
    revoked.stop();
    expect((await h.ok("auth.resume", { ticket: renewed.ticket })).sessionId).toBe(grant.sessionId);
  });

  it("regression: a ticket renewed away counts as reuse and revokes the session (a thief who renewed after the victim kept the session; the victim was silently signed out)", async () => {
    const victim = await newUser();
    const other = await loginGrant(victim.user.username);
    const revoked = await h.revocations();
    // The thief resumes with a stolen copy of the victim's ticket; both now hold the session.
    const thief = await h.ok("auth.resume", { ticket: victim.ticket });
    // The victim's connection renews, then the thief's does: the victim's ticket is renewed away.
    const victimTicket = await h.ok("auth.renewTicket", {}, ctxOf(victim));
    const thiefTicket = await h.ok("auth.renewTicket", {}, ctxOf(thief));
    expect(await revoked.settle()).toEqual([]);

    const reply = await resume(victimTicket.ticket);
    expect(reply.ok || reply.error.code).toBe("AUTH_TICKET_INVALID");
    // Presenting the replaced ticket ended the session for both holders and told the gateways.
    expect(await revoked.next()).toEqual([{ userId: victim.user.id, sessionIds: [victim.sessionId] }]);
    revoked.stop();
    expect((await resume(thiefTicket.ticket)).ok).toBe(false);
    const renew = await h.call("auth.renewTicket", {}, ctxOf(thief));
    expect(renew.ok || renew.error.code).toBe("NOT_AUTHENTICATED");
    // The user's other sessions are not affected.
    expect((await resume(other.ticket)).ok).toBe(true);
  });

  it("refuses a session that belongs to another user", async () => {
    const a = await newUser();
    const b = await newUser();
    const forged = { ...ctxOf(a), sessionId: b.sessionId };
    const reply = await h.call("auth.renewTicket", {}, forged);
    expect(reply.ok || reply.error.code).toBe("NOT_AUTHENTICATED");
    expect((await resume(b.ticket)).ok).toBe(true);
  });
});

describe("auth.logout", () => {
  it("revokes this session, publishes it, and its tickets stop working", async () => {
    const grant = await newUser();
    const other = await loginGrant(grant.user.username);
    const revoked = await h.revocations();
    expect(await h.ok("auth.logout", {}, ctxOf(grant))).toEqual({});
    expect(await revoked.next()).toEqual([{ userId: grant.user.id, sessionIds: [grant.sessionId] }]);
    revoked.stop();
    expect((await resume(grant.ticket)).ok).toBe(false);
    const renew = await h.call("auth.renewTicket", {}, ctxOf(grant));
    expect(renew.ok || renew.error.code).toBe("NOT_AUTHENTICATED");
    // The other session is untouched.
    expect((await resume(other.ticket)).ok).toBe(true);
  });

  it("everywhere: revokes every session of the user and publishes it", async () => {
    const grant = await newUser();
    const sessions: SessionGrant[] = [
      grant,
      await loginGrant(grant.user.username),
      await loginGrant(grant.user.username),
    ];
    const bystander = await newUser();
    const revoked = await h.revocations();
    expect(await h.ok("auth.logout", { everywhere: true }, ctxOf(grant))).toEqual({});
    expect(await revoked.next()).toEqual([{ userId: grant.user.id }]);
    revoked.stop();
    for (const s of sessions) expect((await resume(s.ticket)).ok).toBe(false);
    expect((await resume(bystander.ticket)).ok).toBe(true);
    // A new login still works.
    expect((await h.login(grant.user.username, "correct horse")).ok).toBe(true);
  });

  it("everywhere from an ended session is refused", async () => {
    const grant = await newUser();
    const other = await loginGrant(grant.user.username);
    await h.ok("auth.logout", {}, ctxOf(grant));
    const reply = await h.call("auth.logout", { everywhere: true }, ctxOf(grant));
    expect(reply.ok || reply.error.code).toBe("NOT_AUTHENTICATED");
    expect((await resume(other.ticket)).ok).toBe(true);
    // Logging out an ended session again is harmless.
    expect(await h.ok("auth.logout", {}, ctxOf(grant))).toEqual({});
  });
});
