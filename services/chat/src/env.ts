import { z } from "zod";
import { baseEnv, intFromEnv, parseEnv } from "@sealroom/runtime";
import type { ChatConfigInput } from "./config.js";

const schema = z.object({
  ...baseEnv,
  /** `file:/path/to/sealroom.db`: the database every service shares. */
  DATABASE_URL: z.string().startsWith("file:"),
  /** Each user's budget for send, edit and delete (all their connections together), per second and burst. */
  CHAT_SEND_RATE_PER_SEC: intFromEnv(20, 1),
  CHAT_SEND_BURST: intFromEnv(60, 1),
});

export type ChatEnv = z.output<typeof schema>;

/** The only place the chat service reads `process.env`. */
export const loadEnv = (env: NodeJS.ProcessEnv = process.env): ChatEnv => parseEnv(schema, env);

export function chatConfigFromEnv(env: ChatEnv): ChatConfigInput {
  return { sendRate: { perSec: env.CHAT_SEND_RATE_PER_SEC, burst: env.CHAT_SEND_BURST } };
}
