import { expect, test } from "vitest";
import { COMMANDS } from "./commands.js";
import { parseUntrusted } from "./parse.js";

// Found by the command fuzz suite (seed -1443091632): zod's length checks throw on this JSON value.
const hostile = JSON.parse('{"length":{"toString":false}}') as unknown;

test("a value that makes zod's length checks throw is refused, not thrown", () => {
  expect(() => COMMANDS["chat.markRead"].body.safeParse({ conversationId: hostile, seq: 1 })).toThrow();
  expect(parseUntrusted(COMMANDS["chat.markRead"].body, { conversationId: hostile, seq: 1 }).success).toBe(false);
  expect(parseUntrusted(COMMANDS["auth.login"].body, { username: hostile, password: "x" }).success).toBe(false);
});

// Found by the same suite (seed 893244612): a value whose string conversion throws. Not JSON, so no
// client can send it, but nothing that reaches a parser may throw.
test("a value whose string conversion throws is refused, not thrown", () => {
  const unprintable = { length: [Object.create(null) as unknown] };
  const body = { conversationId: unprintable, afterSeq: 1, limit: 200 };
  expect(() => COMMANDS["chat.sync"].body.safeParse(body)).toThrow();
  expect(parseUntrusted(COMMANDS["chat.sync"].body, body).success).toBe(false);
});
