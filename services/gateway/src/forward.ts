/**
 * Forwards one validated client command to its service over NATS and checks the reply. Never
 * throws: every outcome is a reply the client can be sent.
 *
 * A reply whose value the gateway reads itself (a sign-in's grant, a password change's session) is
 * validated against the command's whole contract. Every other reply is checked only as an envelope
 * (UTF-8 JSON, exactly `{ok:true,value}` or `{ok:false,error}` with a valid error) and reaches the
 * client as the service's own bytes: zod over a 50-entry chat page, then JSON.stringify and UTF-8
 * encoding of what JSON.parse had just built, were most of the gateway's CPU per page (S6,
 * BENCHMARKS.md). The services are the gateway's trusted peers behind NATS permissions, and the SDK
 * checks every value against the contract itself (`replyOf` in packages/sdk/src/client.ts).
 */
import { COMMANDS, type CommandSpec, type CommandType } from "@sealroom/proto/commands";
import { AppError, appErrorSchema, fail, resultSchema, type Result } from "@sealroom/proto/errors";
import type { RequestContext } from "@sealroom/proto/envelope";
import type { z } from "zod";
import { SUBJECTS } from "@sealroom/proto/subjects";
import type { Logger } from "@sealroom/runtime";
import type { ServiceRequests } from "./requests.js";

/** A reply, and for a successful one checked as an envelope only, its JSON as the service sent it. */
export type ForwardedReply = Result<unknown> & { json?: Uint8Array };

/** The commands whose reply value the gateway reads (connection.ts): their whole contract is checked. */
const readByGateway = new Map<string, z.ZodType<Result<unknown>>>(
  Object.entries(COMMANDS as Record<string, CommandSpec>)
    .filter(([type, spec]) => spec.authenticates || type === "auth.changePassword")
    .map(([type, spec]) => [type, resultSchema(spec.value)]),
);

const decoder = new TextDecoder("utf-8", { fatal: true });
const OPEN_BRACE = 0x7b;

export async function forwardCommand(
  requests: ServiceRequests,
  log: Logger,
  type: CommandType,
  ctx: RequestContext,
  body: unknown,
): Promise<ForwardedReply> {
  let data: Uint8Array;
  try {
    data = (await requests.request(SUBJECTS.command(type), JSON.stringify({ ctx, body }))).data;
  } catch (err) {
    return fail(err instanceof AppError ? err : new AppError("INTERNAL"));
  }
  return checkReply(type, data, log);
}

/** The reply to send for a service's reply `data` to a command of `type`; INTERNAL when it is malformed. */
export function checkReply(type: CommandType, data: Uint8Array, log: Pick<Logger, "error">): ForwardedReply {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch {
    log.error({ type, bytes: data.length }, "service reply is not UTF-8 JSON");
    return fail(new AppError("INTERNAL"));
  }
  const contract = readByGateway.get(type);
  if (contract) {
    const parsed = contract.safeParse(raw);
    if (parsed.success) return parsed.data;
    log.error({ type, issues: parsed.error.issues.slice(0, 3) }, "service reply violates the contract");
    return fail(new AppError("INTERNAL"));
  }
  const result = envelopeOf(raw);
  if (!result) {
    log.error({ type }, "service reply is not an ok/error result");
    return fail(new AppError("INTERNAL"));
  }
  // An error is re-serialized (it is small, and its unknown keys are dropped); a value is spliced.
  return result.ok && data[0] === OPEN_BRACE ? { json: data, ...result } : result;
}

/**
 * The reply as a Result when it is exactly an ok/error envelope. Exactly two keys, so the spliced
 * client message cannot carry a second `t` or `id` (JSON.parse keeps a duplicate key's last value).
 */
function envelopeOf(raw: unknown): Result<unknown> | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const reply = raw as Record<string, unknown>;
  if (Object.keys(reply).length !== 2) return undefined;
  if (reply.ok === true && Object.hasOwn(reply, "value")) return { ok: true, value: reply.value };
  if (reply.ok !== false) return undefined;
  const error = appErrorSchema.safeParse(reply.error);
  return error.success ? { ok: false, error: error.data } : undefined;
}
