/**
 * The one error catalogue, shared by the WebSocket protocol (command replies) and NATS replies.
 *
 * Every expected failure anywhere in Sealroom is one of these codes. `retryable` tells a client
 * whether sending the same command again (with the same idempotency key, where it has one) may
 * succeed; `message` is a default human sentence that services may replace with a more precise one.
 */
import { z } from "zod";

export const ERRORS = {
  BAD_REQUEST: { retryable: false, message: "The request is malformed or a field is invalid." },
  UNKNOWN_COMMAND: { retryable: false, message: "This command does not exist." },
  NOT_AUTHENTICATED: { retryable: false, message: "Sign in first." },
  ALREADY_AUTHENTICATED: { retryable: false, message: "This connection is already signed in." },
  USERNAME_INVALID: {
    retryable: false,
    message: "Usernames are 2-32 letters, digits, '_', '.' or '-'.",
  },
  USERNAME_TAKEN: { retryable: false, message: "That username is taken." },
  PASSWORD_INVALID: { retryable: false, message: "Passwords are 8 to 1024 characters." },
  AUTH_INVALID_CREDENTIALS: { retryable: false, message: "Wrong username or password." },
  AUTH_THROTTLED: {
    retryable: true,
    message: "Too many failed sign-in attempts. Wait a moment and try again.",
  },
  AUTH_BUSY: { retryable: true, message: "The server is busy signing people in. Try again shortly." },
  AUTH_TICKET_INVALID: {
    retryable: false,
    message: "The saved session is no longer valid. Sign in again.",
  },
  DEVICE_NOT_REGISTERED: {
    retryable: false,
    message: "This session has no end-to-end encryption device. Register its key first.",
  },
  KEY_PACKAGE_INVALID: {
    retryable: false,
    message: "A KeyPackage is malformed, or not signed by this device for this user and device.",
  },
  NOT_FOUND: { retryable: false, message: "Not found." },
  FORBIDDEN: { retryable: false, message: "You are not allowed to do that." },
  CONFLICT: { retryable: false, message: "That conflicts with the current state." },
  RATE_LIMITED: { retryable: true, message: "Slow down: too many requests." },
  PAYLOAD_TOO_LARGE: { retryable: false, message: "The request is too large." },
  /** The answer would exceed what NATS or the WebSocket carries: asking again the same way cannot help. */
  REPLY_TOO_LARGE: { retryable: false, message: "The answer is too large to send. Ask for less." },
  /**
   * An MLS message for another epoch than the conversation's current one (another commit won the
   * race): process the conversation log up to its end, then make the message again. The same
   * bytes never succeed, hence not retryable.
   */
  STALE_EPOCH: {
    retryable: false,
    message: "The conversation's group is at another epoch: catch up on the log and try again.",
  },
  /**
   * An application message into a group that lacks a device of someone who may read the
   * conversation (a new member, a new device): add the missing devices with a commit, then make the
   * message again. The same bytes never succeed, hence not retryable.
   */
  GROUP_INCOMPLETE: {
    retryable: false,
    message: "The conversation's group lacks devices of its members: add them, then send again.",
  },
  /** Plaintext sent into a conversation whose MLS group exists. */
  ENCRYPTION_REQUIRED: {
    retryable: false,
    message: "This conversation is end-to-end encrypted: plaintext cannot be sent into it.",
  },
  /** An attachment larger than the operator's per-file limit (chat.blob.start, before any byte is sent). */
  BLOB_TOO_LARGE: { retryable: false, message: "That file is larger than this server accepts." },
  /**
   * The caller's attachments (complete and in progress) or history archive would exceed the
   * operator's quota for them; the message says which.
   */
  QUOTA_EXCEEDED: { retryable: false, message: "Your storage quota is used up." },
  /** chat.blob.commit while chunks are missing: chat.blob.status lists them; send them, then commit. */
  BLOB_INCOMPLETE: { retryable: false, message: "The upload is not complete yet." },
  UNAVAILABLE: { retryable: true, message: "The service is unavailable. Try again." },
  TIMEOUT: { retryable: true, message: "The service did not answer in time. Try again." },
  INTERNAL: { retryable: true, message: "Something went wrong on the server." },
} as const satisfies Record<string, { retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];
export const errorCodeSchema = z.enum(ERROR_CODES);

/** The wire form of an error, in command replies and NATS replies. */
export const appErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string().max(500),
  retryable: z.boolean(),
  /** Milliseconds after which a retry may succeed (throttling, rate limits). */
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type AppErrorShape = z.infer<typeof appErrorSchema>;

/** An expected failure as a value. Throw it only to unwind to the edge that turns it into a reply. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message?: string, retryAfterMs?: number) {
    super(message ?? ERRORS[code].message);
    this.name = "AppError";
    this.code = code;
    this.retryable = ERRORS[code].retryable;
    this.retryAfterMs = retryAfterMs;
  }

  toJSON(): AppErrorShape {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    };
  }

  static from(shape: AppErrorShape): AppError {
    return new AppError(shape.code, shape.message, shape.retryAfterMs);
  }
}

/** Turns anything thrown into an AppError; unknown exceptions become INTERNAL (never leaking details). */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError("INTERNAL");
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(err: unknown): { ok: false; error: AppErrorShape } {
  return { ok: false, error: toAppError(err).toJSON() };
}

/** Schema of a typed reply `{ok:true,value}|{ok:false,error}` for a given value schema. */
export function resultSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion("ok", [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: appErrorSchema }),
  ]);
}
