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
