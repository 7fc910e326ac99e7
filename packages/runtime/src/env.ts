import { z } from "zod";

/**
 * Validates the environment against a schema; the only place a service reads `process.env`.
 * Throws one readable error listing every bad variable.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** Common fields of every service's environment. */
export const baseEnv = {
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** Token for NATS authorization (the local `npm start` generates one). */
  NATS_TOKEN: z.string().optional(),
  /** User and password for NATS (docker compose gives each service its own). */
  NATS_USER: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only (it names this process's reply inbox, _INBOX.<user>)")
      .optional(),
  ),
  NATS_PASSWORD: z.string().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_PRETTY: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "true")),
  /** Address the /healthz and /metrics listener binds (services without other HTTP). */
  HTTP_HOST: z.string().default("0.0.0.0"),
  /** Port for /healthz and /metrics; 0 picks a free one, empty disables. */
  HTTP_PORT: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
};

export const intFromEnv = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
