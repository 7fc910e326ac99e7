import { z } from "zod";
import { baseEnv, intFromEnv, parseEnv } from "@sealroom/runtime";
import type { ChatConfigInput } from "./config.js";

const schema = z.object({
  ...baseEnv,
  /**
   * The database every service shares: `file:/path/to/sealroom.db` (SQLite, one host) or
   * `postgresql://user@host:5432/db` (`postgres://` too; PostgreSQL, any number of hosts).
   */
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/).+/, "must be file:/path/to/sealroom.db or postgresql://user@host:5432/db"),
  /** Each user's budget for send, edit and delete (all their connections together), per second and burst. */
  CHAT_SEND_RATE_PER_SEC: intFromEnv(20, 1),
  CHAT_SEND_BURST: intFromEnv(60, 1),
  /** 1 (default): plaintext sends and edits are refused in every conversation (ChatConfig.requireEncryption). */
  CHAT_REQUIRE_E2E: z.enum(["0", "1"]).default("1"),
});

export type ChatEnv = z.output<typeof schema>;

/** The only place the chat service reads `process.env`. */
export const loadEnv = (env: NodeJS.ProcessEnv = process.env): ChatEnv => parseEnv(schema, env);

export function chatConfigFromEnv(env: ChatEnv): ChatConfigInput {
  return {
    sendRate: { perSec: env.CHAT_SEND_RATE_PER_SEC, burst: env.CHAT_SEND_BURST },
    requireEncryption: env.CHAT_REQUIRE_E2E === "1",
  };
}
