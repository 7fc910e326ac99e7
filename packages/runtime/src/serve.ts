/**
 * The service side of commands: subscribe to a command family in the service's queue group, validate
 * each envelope and body against the contract, run the handler, reply with a typed Result.
 */
import type { NatsConnection, Msg, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { z } from "zod";
import { COMMANDS, isCommandType, type CommandType, type CommandValue } from "@sealroom/proto/commands";
import { AppError, fail, ok, type Result } from "@sealroom/proto/errors";
import { commandEnvelopeSchema, type RequestContext } from "@sealroom/proto/nats";
import { QUEUE, SUBJECTS, type ServiceName } from "@sealroom/proto/subjects";
import type { Metrics } from "./metrics.js";

type CommandsOf<S extends ServiceName> = {
  [T in CommandType]: (typeof COMMANDS)[T]["service"] extends S ? T : never;
}[CommandType];

/** Handler per command of the service; throw AppError for an expected failure. */
export type Handlers<S extends ServiceName> = {
  [T in CommandsOf<S>]: (
    ctx: RequestContext,
    body: z.output<(typeof COMMANDS)[T]["body"]>,
  ) => Promise<CommandValue<T>>;
};

export interface ServeOptions<S extends ServiceName> {
  nc: NatsConnection;
  service: S;
  handlers: Handlers<S>;
  log: Logger;
  metrics?: Metrics;
  instance: string;
}

const PREFIX = "cmd.";

export function serveCommands<S extends ServiceName>(opts: ServeOptions<S>): Subscription[] {
  const { nc, service, log, metrics, instance } = opts;
  const handlers = opts.handlers as Record<string, (ctx: RequestContext, body: unknown) => Promise<unknown>>;
  const started = Date.now();

  const handle = async (msg: Msg): Promise<void> => {
    const t0 = performance.now();
    const type = msg.subject.slice(PREFIX.length);
    const reply = await dispatch(type, msg).catch((err: unknown) => {
      if (!(err instanceof AppError)) log.error({ err, subject: msg.subject }, "command failed");
      return fail(err);
    });
    metrics?.requests.inc({ subject: msg.subject, outcome: reply.ok ? "ok" : reply.error.code });
    metrics?.latency.observe({ subject: msg.subject }, (performance.now() - t0) / 1000);
    if (msg.reply) msg.respond(JSON.stringify(reply));
  };

  const dispatch = async (type: string, msg: Msg): Promise<Result<unknown>> => {
    const handler = handlers[type];
    if (!isCommandType(type) || COMMANDS[type].service !== service || !handler) {
      throw new AppError("UNKNOWN_COMMAND");
    }
    const envelope = commandEnvelopeSchema.safeParse(safeJson(msg));
    if (!envelope.success) throw new AppError("BAD_REQUEST", "malformed envelope");
    const body = COMMANDS[type].body.safeParse(envelope.data.body);
    if (!body.success) throw new AppError("BAD_REQUEST");
    const spec = COMMANDS[type];
    const signedIn = envelope.data.ctx.userId !== undefined && envelope.data.ctx.sessionId !== undefined;
    if (spec.access === "user" && !signedIn) throw new AppError("NOT_AUTHENTICATED");
    return ok(await handler(envelope.data.ctx, body.data));
  };

  const commands = nc.subscribe(SUBJECTS.commandFamily(service), {
    queue: QUEUE[service],
    callback: (err, msg) => {
      if (err) {
        log.error({ err }, "command subscription failed");
        return;
      }
      void handle(msg);
    },
  });
  const health = nc.subscribe(SUBJECTS.health(service), {
    queue: QUEUE[service],
    callback: (_err, msg) => {
      msg.respond(JSON.stringify(ok({ service, instance, uptimeMs: Date.now() - started })));
    },
  });
  return [commands, health];
}

function safeJson(msg: Msg): unknown {
  try {
    return msg.json();
  } catch {
    return undefined;
  }
}
