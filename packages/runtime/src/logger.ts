import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/**
 * Paths that must never reach a log line, wherever they appear in a logged object.
 * Plaintext message bodies are not logged at all; this is a second line of defence.
 */
const REDACT = [
  "password",
  "currentPassword",
  "newPassword",
  "ticket",
  "token",
  "secret",
  "key",
  "body",
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "*.ticket",
  "*.token",
  "*.secret",
  "*.body",
  "*.text",
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Human-readable output (pino-pretty); defaults to whether stdout is a terminal. */
  pretty?: boolean;
  /** Where the lines go instead of stdout (tests that read what was logged). */
  destination?: DestinationStream;
}

/** One root logger per process; pass `log.child({...})` down. */
export function createLogger({ service, level = "info", pretty, destination }: LoggerOptions): Logger {
  const usePretty = destination === undefined && (pretty ?? process.stdout.isTTY === true);
  const options = {
    name: service,
    level,
    redact: { paths: REDACT, censor: "[redacted]" },
    serializers: { err: pino.stdSerializers.err },
    ...(usePretty ? { transport: { target: "pino-pretty", options: { colorize: true, ignore: "pid,hostname" } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * An error as one short line, for logs of expected conditions that are retried (no responders yet,
 * a timeout, a closed connection): a 2 KB stack each time says nothing more and buries real errors.
 * Unexpected failures keep logging `{ err }` with its stack.
 */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = "code" in err && typeof err.code === "string" && !err.message.includes(err.code) ? `${err.code}: ` : "";
  return `${code}${err.message}`;
}
