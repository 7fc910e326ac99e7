/**
 * Forwards one validated client command to its service over NATS and validates the reply against
 * the command's contract. Never throws: every outcome is a Result the client can be sent.
 */
import { COMMANDS, type CommandType } from "@sealroom/proto/commands";
import { AppError, fail, resultSchema, type Result } from "@sealroom/proto/errors";
import type { RequestContext } from "@sealroom/proto/envelope";
import type { z } from "zod";
import { SUBJECTS } from "@sealroom/proto/subjects";
import type { Logger } from "@sealroom/runtime";
import type { ServiceRequests } from "./requests.js";

const replySchemas = new Map<string, z.ZodType<Result<unknown>>>(
  Object.entries(COMMANDS).map(([type, spec]) => [type, resultSchema(spec.value)]),
);

export async function forwardCommand(
  requests: ServiceRequests,
  log: Logger,
  type: CommandType,
  ctx: RequestContext,
  body: unknown,
): Promise<Result<unknown>> {
  let raw: unknown;
  try {
    const msg = await requests.request(SUBJECTS.command(type), JSON.stringify({ ctx, body }));
    raw = msg.json();
  } catch (err) {
    return fail(err instanceof AppError ? err : new AppError("INTERNAL"));
  }
  const parsed = replySchemas.get(type)!.safeParse(raw);
  if (!parsed.success) {
    log.error({ type, issues: parsed.error.issues.slice(0, 3) }, "service reply violates the contract");
    return fail(new AppError("INTERNAL"));
  }
  return parsed.data;
}
