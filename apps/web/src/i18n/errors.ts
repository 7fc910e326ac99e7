/** Turns anything a command can throw into one human sentence in the current language. */
import { AppError, ERRORS, type ErrorCode } from "@sealroom/proto/errors";
import { CATALOGS, translate, type Language } from "./languages.js";

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERRORS, code);
}

/** "in 42 seconds" / "42秒钟后", rounded up to whole seconds, or minutes past 90 s. */
export function formatWait(lang: Language, ms: number): string {
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "always" });
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds <= 90 ? rtf.format(seconds, "second") : rtf.format(Math.ceil(seconds / 60), "minute");
}

export interface DescribeOptions {
  /** Replaces the catalogue sentence for some codes where the context says more (a wrong current password). */
  overrides?: Partial<Record<ErrorCode, string>>;
  /** Milliseconds left to wait, when it differs from the error's own retryAfterMs (a live countdown). */
  remainingMs?: number;
}

export function describeError(lang: Language, err: unknown, opts: DescribeOptions = {}): string {
  const code = err instanceof AppError ? err.code : isErrorCodeCarrier(err) ? err.code : undefined;
  if (code === undefined) return translate(lang, "error.unknown");
  const override = opts.overrides?.[code];
  if (override !== undefined) return override;
  const waitMs = opts.remainingMs ?? (err as { retryAfterMs?: unknown }).retryAfterMs;
  if (
    (code === "AUTH_THROTTLED" || code === "AUTH_BUSY" || code === "RATE_LIMITED") &&
    typeof waitMs === "number" &&
    waitMs > 0
  ) {
    return translate(lang, `error.wait.${code}`, { when: formatWait(lang, waitMs) });
  }
  return CATALOGS[lang].errors[code];
}

/** An AppError-shaped value from another copy of the class (the SDK bundles its own in some setups). */
function isErrorCodeCarrier(err: unknown): err is { code: ErrorCode } {
  return typeof err === "object" && err !== null && isErrorCode((err as { code?: unknown }).code);
}
