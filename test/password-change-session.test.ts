/**
 * A password change ends every socket but the one that made it, including sockets on the *same*
 * session: a thief who resumed with a copy of the victim's ticket shares the victim's session id,
 * so revoking only the other sessions left him signed in. Logging out the session ends his socket too.
 * Real gateways, SDK, NATS and SQLite.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MemoryTicketStore, type SealroomClient, type SignedOutReason } from "@sealroom/sdk/node";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateways: 2 });
});
afterAll(async () => {
  await stack?.stop();
});

const password = "correct horse battery staple";
const newPassword = "a different passphrase";

/** The client's next signedOut reason, or "still signed in" if none comes within `ms`. */
function signedOutWithin(client: SealroomClient, ms: number): Promise<SignedOutReason | "still signed in"> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve("still signed in");
    }, ms);
    const off = client.on("signedOut", (reason) => {
      clearTimeout(timer);
      off();
      resolve(reason);
    });
  });
}

describe("password change", () => {
  test("regression: a thief who resumed into the victim's session is signed out by the victim's password change", async () => {
    const name = `pwchange_${process.pid}`;
    const victimTickets = new MemoryTicketStore();
    const victim = stack.client({ urls: [stack.wsUrls[0]!], tickets: victimTickets });
    await victim.connect();
    const user = await victim.register(name, password);

    // Two thieves resume with copies of the victim's current ticket, one per gateway, and renew (the
    // second copy is spent, so it comes from the first thief's renewal): all three share one session.
    const stolen = victimTickets.load()!;
    const thiefTickets = new MemoryTicketStore();
    thiefTickets.save(stolen);
    const thief = stack.client({ urls: [stack.wsUrls[1]!], tickets: thiefTickets });
    await thief.connect();
    expect(thief.state).toBe("ready");
    const renewed = await thief.request("auth.renewTicket", {});
    const thief2Tickets = new MemoryTicketStore();
    thief2Tickets.save({ ticket: renewed.ticket, expiresAt: renewed.ticketExpiresAt });
    const thief2 = stack.client({ urls: [stack.wsUrls[0]!], tickets: thief2Tickets });
    await thief2.connect();
    expect(thief2.state).toBe("ready");

    // What the thieves hold when the victim acts (their SDKs forget it once signed out).
    const kept = [stolen, thiefTickets.load(), thief2Tickets.load()];
    const thiefOut = signedOutWithin(thief, 3000);
    const thief2Out = signedOutWithin(thief2, 3000);
    const victimOut = signedOutWithin(victim, 1500);
    await victim.changePassword(password, newPassword);
    expect(await thiefOut).toBe("revoked");
    expect(await thief2Out).toBe("revoked");

    // The victim stays signed in without noticing: same socket, commands (renewal checks the
    // session) work, and its new ticket resumes.
    expect(await victimOut).toBe("still signed in");
    expect(victim.state).toBe("ready");
    // (A manual renewal spends the SDK's stored ticket, so its successor is stored by hand.)
    const renewal = await victim.request("auth.renewTicket", {});
    victimTickets.save({ ticket: renewal.ticket, expiresAt: renewal.ticketExpiresAt });
    const resumed = new Promise((resolve) => victim.on("signedIn", resolve));
    victim.reconnect();
    expect(await resumed).toMatchObject({ id: user.id });

    // Whatever the thieves kept is worthless: one live session, and their tickets do not resume.
    const live = await stack.db.session.findMany({ where: { userId: user.id, revokedAt: null } });
    expect(live).toHaveLength(1);
    for (const stolenTicket of kept) {
      const c = stack.client();
      await c.connect();
      const r = await c.call("auth.resume", { ticket: stolenTicket!.ticket });
      expect(r).toMatchObject({ ok: false, error: { code: "AUTH_TICKET_INVALID" } });
    }
    expect(victim.state).toBe("ready");
  });

  test("regression: a tab on the same session, signed out by the change, leaves the changing tab's new ticket in the shared store (it cleared it)", async () => {
    // Two browser tabs share one ticket store (localStorage) and, after the second resumed, one session.
    const shared = new MemoryTicketStore();
    const changing = stack.client({ urls: [stack.wsUrls[0]!], tickets: shared });
    await changing.connect();
    await changing.register(`pwtabs_${process.pid}`, password);
    const other = stack.client({ urls: [stack.wsUrls[1]!], tickets: shared });
    await other.connect();
    expect(other.state).toBe("ready");

    const otherOut = signedOutWithin(other, 3000);
    await changing.changePassword(password, newPassword);
    const fresh = shared.load();
    expect(await otherOut).toBe("revoked");
    // The signed-out tab forgot only its own ticket: a reload of the changing tab still resumes.
    expect(shared.load()).toEqual(fresh);
    const reload = stack.client({ tickets: shared });
    await reload.connect();
    expect(reload.state).toBe("ready");
  });

  test("SECURITY.md section 5: logging out this session also signs out a thief on it, on another gateway", async () => {
    const tickets = new MemoryTicketStore();
    const victim = stack.client({ urls: [stack.wsUrls[0]!], tickets });
    await victim.connect();
    await victim.register(`pwlogout_${process.pid}`, password);
    const copy = new MemoryTicketStore();
    copy.save(tickets.load()!);
    const thief = stack.client({ urls: [stack.wsUrls[1]!], tickets: copy });
    await thief.connect();
    expect(thief.state).toBe("ready");
    const thiefOut = signedOutWithin(thief, 3000);
    await victim.logout();
    expect(await thiefOut).toBe("revoked");
  });
});
