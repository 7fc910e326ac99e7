import { describe, expect, it } from "vitest";
import { CommandAdmission, MAX_RATE_VIOLATIONS } from "./admission.js";

const log = { info: () => {} };
/** A bucket that allows while `allow` is true, else asks for 250 ms. */
function bucket() {
  const b = { allow: true, take: () => (b.allow ? 0 : 250) };
  return b;
}
const login = { username: "ada", password: "correct horse battery staple" };

describe("CommandAdmission", () => {
  it("admits a known command on the right side of sign-in with its parsed body", () => {
    const a = new CommandAdmission(bucket(), log);
    const admitted = a.admit("auth.logout", {}, true);
    expect(admitted).toMatchObject({ ok: true, type: "auth.logout", body: { everywhere: false } });
  });

  it("refuses unknown types, the wrong side of sign-in and bad bodies, naming the field", () => {
    const a = new CommandAdmission(bucket(), log);
    expect(a.admit("nope.nothing", {}, true)).toMatchObject({ ok: false, error: { code: "UNKNOWN_COMMAND" } });
    expect(a.admit("auth.logout", {}, false)).toMatchObject({ ok: false, error: { code: "NOT_AUTHENTICATED" } });
    expect(a.admit("auth.login", login, true)).toMatchObject({ ok: false, error: { code: "ALREADY_AUTHENTICATED" } });
    expect(a.admit("auth.login", { username: "ada", password: 7 }, false)).toMatchObject({
      ok: false,
      error: { code: "BAD_REQUEST", message: "Invalid field: password" },
    });
  });

  it("allows one sign-in at a time until done()", () => {
    const a = new CommandAdmission(bucket(), log);
    expect(a.admit("auth.login", login, false).ok).toBe(true);
    expect(a.admit("auth.login", login, false)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    a.done();
    expect(a.admit("auth.login", login, false).ok).toBe(true);
  });

  it("answers RATE_LIMITED with the wait and floods after MAX_RATE_VIOLATIONS refusals in a row", () => {
    const b = bucket();
    const a = new CommandAdmission(b, log);
    b.allow = false;
    for (let i = 0; i < MAX_RATE_VIOLATIONS; i++) {
      expect(a.admit("auth.logout", {}, true)).toMatchObject({
        ok: false,
        error: { code: "RATE_LIMITED", retryAfterMs: 250 },
      });
    }
    expect(a.flooding).toBe(false);
    a.admit("auth.logout", {}, true);
    expect(a.flooding).toBe(true);
    // An allowed command, even one refused for another reason, ends the streak.
    b.allow = true;
    a.admit("nope.nothing", {}, true);
    expect(a.flooding).toBe(false);
  });

  it("charges a token even for a command it refuses", () => {
    let taken = 0;
    const a = new CommandAdmission({ take: () => (taken++, 0) }, log);
    a.admit("nope.nothing", {}, false);
    a.admit("auth.logout", {}, false);
    expect(taken).toBe(2);
  });

  it("counts attachment chunks against the bulk budget: an exhausted one leaves chat commands alone, and back", () => {
    const commands = bucket();
    const bulk = bucket();
    const a = new CommandAdmission(commands, log, bulk);
    const chunk = { blobId: "A".repeat(22), index: 0, data: "AAAA" };
    bulk.allow = false;
    expect(a.admit("chat.blob.put", chunk, true)).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    expect(a.admit("chat.blob.get", { blobId: "A".repeat(22), index: 0 }, true)).toMatchObject({ ok: false });
    expect(a.admit("auth.logout", {}, true).ok).toBe(true);
    bulk.allow = true;
    commands.allow = false;
    expect(a.admit("chat.blob.put", chunk, true).ok).toBe(true);
    expect(a.admit("chat.blob.start", { conversationId: "dm:1:2", size: 16 }, true)).toMatchObject({
      ok: false,
      error: { code: "RATE_LIMITED" },
    });
  });
});
