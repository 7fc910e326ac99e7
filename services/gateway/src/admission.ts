/**
 * Which decrypted commands a connection forwards to the services: the per-connection rate limit,
 * a known type, the right side of sign-in, a body that matches the contract, and one sign-in at a
 * time. Everything refused here is answered by the gateway itself, without a NATS round trip.
 */
import { COMMANDS, isCommandType, type CommandSpec, type CommandType } from "@sealroom/proto/commands";
import { AppError, fail, type AppErrorShape } from "@sealroom/proto/errors";
import { parseUntrusted } from "@sealroom/proto/parse";
import type { Logger } from "@sealroom/runtime";

/** Rate-limit rejections in a row after which the connection is closed. */
export const MAX_RATE_VIOLATIONS = 50;

/** A command to forward, its body parsed against its contract. */
export interface Admitted {
  ok: true;
  type: CommandType;
  spec: CommandSpec;
  body: unknown;
}
export type Admission = Admitted | { ok: false; error: AppErrorShape };

export class CommandAdmission {
  private violations = 0;
  private signingIn = false;

  constructor(
    /** Takes a token; returns 0 when allowed, else the milliseconds until one is available. */
    private readonly bucket: { take(): number },
    private readonly log: Pick<Logger, "info">,
    /** Bulk commands' own budget (CommandSpec.bulk); without one they share `bucket`. */
    private readonly bulkBucket: { take(): number } = bucket,
  ) {}

  /** More than MAX_RATE_VIOLATIONS rate-limit rejections in a row: the client ignores RATE_LIMITED. */
  get flooding(): boolean {
    return this.violations > MAX_RATE_VIOLATIONS;
  }

  /** An admitted command must be followed by done() once its reply is known. */
  admit(type: string, body: unknown, signedIn: boolean): Admission {
    // Every command costs a token, even one refused below, so refusals cannot be used to flood.
    const bulk = isCommandType(type) && (COMMANDS[type] as CommandSpec).bulk === true;
    const wait = (bulk ? this.bulkBucket : this.bucket).take();
    if (wait > 0) {
      if (this.violations++ === 0) this.log.info("rate limit reached");
      return fail(new AppError("RATE_LIMITED", undefined, wait));
    }
    this.violations = 0;
    if (!isCommandType(type)) return fail(new AppError("UNKNOWN_COMMAND"));
    const spec: CommandSpec = COMMANDS[type];
    if (spec.access === "user" && !signedIn) return fail(new AppError("NOT_AUTHENTICATED"));
    if (spec.access === "anonymous" && signedIn) return fail(new AppError("ALREADY_AUTHENTICATED"));
    const parsed = parseUntrusted(spec.body, body);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join(".") || "body";
      return fail(new AppError("BAD_REQUEST", `Invalid field: ${where}`));
    }
    if (spec.authenticates) {
      if (this.signingIn) return fail(new AppError("CONFLICT", "A sign-in is already in progress."));
      this.signingIn = true;
    }
    return { ok: true, type, spec, body: parsed.data };
  }

  /**
   * An admitted command has its reply. While a sign-in runs it is the only command admitted (every
   * anonymous command authenticates, every other one needs a signed-in connection), so whichever
   * command this was, no sign-in is in progress any more.
   */
  done(): void {
    this.signingIn = false;
  }
}
