import { z } from "zod";
import { baseEnv, parseEnv } from "@sealroom/runtime";

const schema = z.object({
  ...baseEnv,
  /** `file:/path/to/sealroom.db`: the database every service shares. */
  DATABASE_URL: z.string().startsWith("file:"),
});

export type SocialEnv = z.output<typeof schema>;

/** The only place the social service reads `process.env`. */
export const loadEnv = (env: NodeJS.ProcessEnv = process.env): SocialEnv => parseEnv(schema, env);
