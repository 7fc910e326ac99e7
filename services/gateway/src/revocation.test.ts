/**
 * A revocation that reaches the gateway while a resume of that session is in flight. The auth
 * service is a stand-in on the real nats-server so the order can be fixed: it publishes
 * `ctl.session.revoked` for the session before it answers the resume (in production two auth
 * instances can deliver in that order: a logout committed just after the resume, broadcast first).
 */
import { describe, expect, it } from "vitest";
import { CLOSE } from "@sealroom/proto/close-codes";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { RawClient } from "./test/rawclient.js";
import { useGatewayWithStandIns } from "./test/stand-in-gateway.js";

const USER_ID = 31337;
/** What the stand-in broadcasts before answering a resume, per ticket's first letter. */
const before: Record<string, object | undefined> = {
  R: { userId: USER_ID, sessionIds: ["s-resumed"] },
  E: { userId: USER_ID },
  O: { userId: USER_ID, sessionIds: ["s-other"] },
};

const env = useGatewayWithStandIns({}, (auth) => {
  auth.subscribe("cmd.auth.resume", {
    callback: (_err, msg) => {
      const { body } = msg.json<{ body: { ticket: string } }>();
      const revocation = before[body.ticket[0]!];
      if (revocation) auth.publish(SUBJECTS.sessionRevoked, JSON.stringify(revocation));
      const grant = {
        user: { id: USER_ID, username: "resumer" },
        sessionId: "s-resumed",
        ticket: "N".repeat(43),
        ticketExpiresAt: Date.now() + 3_600_000,
      };
      msg.respond(JSON.stringify({ ok: true, value: grant }));
    },
  });
});

async function resume(ticketLetter: string) {
  const c = await RawClient.connect(env.gw.wsUrl);
  await c.command(1, "auth.resume", { ticket: ticketLetter.repeat(43) });
  const reply = await c.receive();
  return { c, reply };
}

describe("a revocation overtaking a resume reply", () => {
  it.each([
    ["of that session", "R"],
    ["of every session of the user", "E"],
  ])(
    "regression: a revocation %s that arrives while the resume is in flight closes the socket with 4009 after the reply (it stayed signed in)",
    async (_, letter) => {
      const { c, reply } = await resume(letter);
      // The reply (with its ticket) still arrives; then the socket closes as revoked.
      expect(reply).toMatchObject({ t: "reply", id: 1, ok: true });
      const closed = await Promise.race([
        c.closed,
        new Promise((r) => setTimeout(() => r({ code: "still open" }), 3000)),
      ]);
      expect(closed).toMatchObject({ code: CLOSE.SESSION_REVOKED });
    },
  );

  it("a revocation of another session leaves the resumed socket alone", async () => {
    const { c, reply } = await resume("O");
    expect(reply).toMatchObject({ ok: true });
    await c.command(2, "auth.renewTicket", {});
    // Answered (by no one: UNAVAILABLE), so the socket is still open and signed in.
    expect(await c.receive()).toMatchObject({ t: "reply", id: 2, ok: false });
    c.ws.close();
  });
});
