/**
 * Forwards one validated client command to its service over NATS and validates the reply against
 * the command's contract. Never throws: every outcome is a Result the client can be sent.
 */
import { RequestError, TimeoutError } from "@nats-io/transport-node";
import type { NatsConnection } from "@sealroom/runtime";
import { COMMANDS, type CommandType } from "@sealroom/proto/commands";
import { AppError, fail, resultSchema, type Result } from "@sealroom/proto/errors";
import type { RequestContext } from "@sealroom/proto/nats";
import { SUBJECTS } from "@sealroom/proto/subjects";
import type { Logger } from "@sealroom/runtime";

const replySchemas = new Map(
  Object.entries(COMMANDS).map(([type, spec]) => [type, resultSchema(spec.value)]),
);

export async function forwardCommand(
  nc: NatsConnection,
  log: Logger,
  type: CommandType,
  ctx: RequestContext,
  body: unknown,
  timeoutMs: number,
): Promise<Result<unknown>> {
  let raw: unknown;
  try {
    const msg = await nc.request(SUBJECTS.command(type), JSON.stringify({ ctx, body }), {
      timeout: timeoutMs,
    });
    raw = msg.json();
  } catch (err) {
    return fail(natsFailure(err));
  }
  const parsed = replySchemas.get(type)!.safeParse(raw);
  if (!parsed.success) {
    log.error({ type, issues: parsed.error.issues.slice(0, 3) }, "service reply violates the contract");
    return fail(new AppError("INTERNAL"));
  }
  return parsed.data as Result<unknown>;
}

/** No responders means no instance of the service is up; a timeout means it is overloaded or stuck. */
function natsFailure(err: unknown): AppError {
  if (err instanceof RequestError && err.isNoResponders()) return new AppError("UNAVAILABLE");
  if (err instanceof TimeoutError || (err instanceof Error && err.cause instanceof TimeoutError)) {
    return new AppError("TIMEOUT");
  }
  return new AppError("UNAVAILABLE");
}
