/**
 * Forwards one validated client command to its service over NATS and validates the reply against
 * the command's contract. Never throws: every outcome is a Result the client can be sent.
 */
import { RequestError, TimeoutError } from "@nats-io/transport-node";
import type { NatsConnection } from "@sealroom/runtime";
import { COMMANDS, type CommandType } from "@sealroom/proto/commands";
import { AppError, fail, resultSchema, type Result } from "@sealroom/proto/errors";
import type { RequestContext } from "@sealroom/proto/envelope";
import type { z } from "zod";
import { SUBJECTS } from "@sealroom/proto/subjects";
import type { Logger } from "@sealroom/runtime";

const replySchemas = new Map<string, z.ZodType<Result<unknown>>>(
  Object.entries(COMMANDS).map(([type, spec]) => [type, resultSchema(spec.value)]),
);

/**
 * The NATS client writes its socket once per microtask checkpoint, but commands from different
 * WebSockets arrive in different I/O callbacks, so each request cost its own write(2), a quarter
 * of the gateway's CPU under load. Requests are issued together once per event-loop turn instead
 * (setImmediate runs right after the turn's I/O callbacks), so a turn's commands share one write.
 */
let turn: Array<() => void> | undefined;
function inThisTurn(issue: () => void): void {
  if (!turn) {
    const batch: Array<() => void> = (turn = []);
    setImmediate(() => {
      turn = undefined;
      for (const fn of batch) fn();
    });
  }
  turn.push(issue);
}

function request(nc: NatsConnection, subject: string, payload: string, timeout: number) {
  return new Promise<Awaited<ReturnType<NatsConnection["request"]>>>((resolve, reject) => {
    inThisTurn(() => {
      try {
        nc.request(subject, payload, { timeout }).then(resolve, reject);
      } catch (err) {
        reject(err);
      }
    });
  });
}

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
    const msg = await request(nc, SUBJECTS.command(type), JSON.stringify({ ctx, body }), timeoutMs);
    raw = msg.json();
  } catch (err) {
    return fail(natsFailure(err));
  }
  const parsed = replySchemas.get(type)!.safeParse(raw);
  if (!parsed.success) {
    log.error({ type, issues: parsed.error.issues.slice(0, 3) }, "service reply violates the contract");
    return fail(new AppError("INTERNAL"));
  }
  return parsed.data;
}

/** No responders means no instance of the service is up; a timeout means it is overloaded or stuck. */
function natsFailure(err: unknown): AppError {
  if (err instanceof RequestError && err.isNoResponders()) return new AppError("UNAVAILABLE");
  if (err instanceof TimeoutError || (err instanceof Error && err.cause instanceof TimeoutError)) {
    return new AppError("TIMEOUT");
  }
  return new AppError("UNAVAILABLE");
}
