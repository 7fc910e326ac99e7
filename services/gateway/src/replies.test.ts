/**
 * What the gateway makes of a service's reply (docs/PROTOCOL.md 7.2): a reply it does not read
 * itself reaches the client as the service's own JSON once its envelope is checked; anything that
 * is not UTF-8 JSON or not exactly an ok/error result becomes INTERNAL, and the connection carries
 * on. Stand-in auth and chat services on the real nats-server choose each reply's bytes.
 */
import { describe, expect, it } from "vitest";
import { RawClient } from "./test/rawclient.js";
import { useGatewayWithStandIns } from "./test/stand-in-gateway.js";

const USER_ID = 4242;
const GRANT = {
  user: { id: USER_ID, username: "replier" },
  sessionId: "s-replies",
  ticket: "R".repeat(43),
  ticketExpiresAt: Date.now() + 3_600_000,
};
const page = (extra: object = {}) => ({
  conversationId: "dm:1:4242",
  entries: [],
  lastSeq: 0,
  visibleFromSeq: 0,
  truncated: false,
  ...extra,
});

/** chat.history's reply, chosen by the command's `limit` (the gateway passes the body through). */
const HISTORY_REPLIES: Record<number, Uint8Array> = {};
const utf8 = (s: string) => new TextEncoder().encode(s);
const replies = [
  JSON.stringify({ ok: true, value: page() }),
  // Not JSON, not UTF-8, JSON but no envelope, an envelope with more keys (a second `id`).
  '{"ok":true,"value":{',
  "",
  [0xff, 0xfe],
  "[1,2]",
  "null",
  '{"ok":true}',
  JSON.stringify({ ok: true, value: page(), id: 99 }),
  JSON.stringify({ ok: "yes", value: page() }),
  JSON.stringify({ ok: false, error: { code: "NOPE", message: "x", retryable: false } }),
  JSON.stringify({ ok: false, error: { code: "NOT_FOUND", message: "x" } }),
  // A valid error, and a value with a key the contract does not name.
  JSON.stringify({ ok: false, error: { code: "NOT_FOUND", message: "Not found.", retryable: false } }),
  JSON.stringify({ ok: true, value: page({ futureField: "kept" }) }),
];
replies.forEach((r, i) => (HISTORY_REPLIES[i + 1] = typeof r === "string" ? utf8(r) : Uint8Array.from(r)));

/** What the stand-in auth answers to auth.login: the grant, or a reply that violates its contract. */
let loginReply: object = { ok: true, value: GRANT };

const env = useGatewayWithStandIns({}, (services) => {
  services.subscribe("cmd.auth.login", { callback: (_err, msg) => void msg.respond(JSON.stringify(loginReply)) });
  services.subscribe("cmd.chat.history", {
    callback: (_err, msg) => void msg.respond(HISTORY_REPLIES[msg.json<{ body: { limit: number } }>().body.limit]!),
  });
});

async function signedIn(): Promise<RawClient> {
  const c = await RawClient.connect(env.gw.wsUrl);
  await c.command(1, "auth.login", { username: "replier", password: "correct horse battery" });
  expect(await c.receive()).toMatchObject({ t: "reply", id: 1, ok: true });
  return c;
}

async function history(c: RawClient, id: number, limit: number) {
  await c.command(id, "chat.history", { conversationId: "dm:1:4242", limit });
  return c.receive();
}

describe("service replies", () => {
  it("a well-formed value reaches the client as the service sent it", async () => {
    const c = await signedIn();
    expect(await history(c, 2, 1)).toEqual({ t: "reply", id: 2, ok: true, value: page() });
    c.ws.close();
  });

  it("a reply that is not UTF-8 JSON or not exactly an ok/error result is answered INTERNAL, and the connection carries on", async () => {
    const c = await signedIn();
    for (let limit = 2; limit <= 11; limit++) {
      expect({ limit, reply: await history(c, limit, limit) }).toMatchObject({
        limit,
        reply: { t: "reply", id: limit, ok: false, error: { code: "INTERNAL" } },
      });
    }
    expect(await history(c, 50, 1)).toMatchObject({ t: "reply", id: 50, ok: true });
    c.ws.close();
  });

  it("a valid error reply is passed on", async () => {
    const c = await signedIn();
    expect(await history(c, 12, 12)).toEqual({
      t: "reply",
      id: 12,
      ok: false,
      error: { code: "NOT_FOUND", message: "Not found.", retryable: false },
    });
    c.ws.close();
  });

  it("a value's keys unknown to the contract are not dropped (clients ignore them; the SDK checks the contract)", async () => {
    const c = await signedIn();
    expect(await history(c, 13, 13)).toEqual({ t: "reply", id: 13, ok: true, value: page({ futureField: "kept" }) });
    c.ws.close();
  });

  it("a sign-in reply, which the gateway reads, is still checked against the whole contract", async () => {
    loginReply = { ok: true, value: { ...GRANT, user: { id: "not a number" } } };
    try {
      const c = await RawClient.connect(env.gw.wsUrl);
      await c.command(1, "auth.login", { username: "replier", password: "correct horse battery" });
      expect(await c.receive()).toMatchObject({ t: "reply", id: 1, ok: false, error: { code: "INTERNAL" } });
      c.ws.close();
    } finally {
      loginReply = { ok: true, value: GRANT };
    }
  });
});
