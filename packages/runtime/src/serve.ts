/**
 * The service side of commands: subscribe to a command family in the service's queue group, validate
 * each envelope and body against the contract, run the handler, reply with a typed Result.
 */
import type { NatsConnection, Msg } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { z } from "zod";
import { COMMANDS, isCommandType, type CommandType, type CommandValue } from "@sealroom/proto/commands";
import { AppError, fail, ok, type Result } from "@sealroom/proto/errors";
import { NATS_MAX_PAYLOAD, commandEnvelopeSchema, type RequestContext } from "@sealroom/proto/envelope";
import { parseUntrusted } from "@sealroom/proto/parse";
import { QUEUE, SUBJECTS, type ServiceName } from "@sealroom/proto/subjects";
import { InFlight } from "./inflight.js";
import { errorText } from "./logger.js";
import type { Metrics } from "./metrics.js";

type CommandsOf<S extends ServiceName> = {
  [T in CommandType]: (typeof COMMANDS)[T]["service"] extends S ? T : never;
}[CommandType];

/** The context of a `user` command: serveCommands has checked that the connection is signed in. */
export type SignedInContext = RequestContext & { userId: number; sessionId: string };

/** What a command's handler is given: the signed-in context for `user` commands. */
export type ContextOf<T extends CommandType> = (typeof COMMANDS)[T]["access"] extends "user"
  ? SignedInContext
  : RequestContext;

/**
 * A command's value already serialized as JSON (UTF-8), sent as the reply's value byte for byte.
 * For values built off the event loop (chat's reader threads): the thread serializes the page it
 * built and transfers the bytes, so the event loop neither receives a structured clone of it nor
 * serializes it again. Whoever makes one vouches that `json` is the JSON of a valid `T`.
 */
export class EncodedValue<T> {
  declare private readonly valueType?: T;
  constructor(readonly json: Uint8Array) {}
}

/** Handler per command of the service; throw AppError for an expected failure. */
export type Handlers<S extends ServiceName> = {
  [T in CommandsOf<S>]: (
    ctx: ContextOf<T>,
    body: z.output<(typeof COMMANDS)[T]["body"]>,
  ) => Promise<CommandValue<T> | EncodedValue<CommandValue<T>>>;
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

/** NATS header a caller may set to correlate its logs with the service's (else one is made up). */
export const REQUEST_ID_HEADER = "Sealroom-Request-Id";

/** A subscription, or anything that stops like one. */
export interface Drainable {
  drain(): Promise<void>;
}

/**
 * Subscribes the service's command family and health subject in its queue group. The commands'
 * `drain()` also waits until every command they delivered has been answered (both may be drained
 * on a closed connection), so a stopping instance (SIGTERM) finishes its in-flight work
 * before the connection drains and the database closes.
 */
export function serveCommands<S extends ServiceName>(opts: ServeOptions<S>): Drainable[] {
  const { nc, service, log, metrics, instance } = opts;
  const handlers = opts.handlers as Record<string, (ctx: RequestContext, body: unknown) => Promise<unknown>>;
  const started = Date.now();
  const inflight = new InFlight();
  let seq = 0;

  const handle = async (msg: Msg): Promise<void> => {
    const t0 = performance.now();
    const type = msg.subject.slice(PREFIX.length);
    let ctx: RequestContext | undefined;
    let reqId: string | undefined;
    /** Who asked, for log lines: the request id, the gateway's connection id, the user. */
    const who = () => ({
      subject: msg.subject,
      reqId: (reqId ??= msg.headers?.get(REQUEST_ID_HEADER) || `${instance}-${(++seq).toString(36)}`),
      ...(ctx ? { connId: ctx.connId, userId: ctx.userId } : {}),
    });
    let reply = await dispatch(type, msg, (c) => (ctx = c)).catch((err: unknown) => {
      if (!(err instanceof AppError)) log.error({ err, ...who() }, "command failed");
      return fail(err);
    });
    let data = encodeReply(reply);
    // NATS refuses a message above the server's max_payload; the caller would only see a timeout
    // (and retry the same thing). An error it can act on instead; one line, it is not a crash.
    const maxPayload = nc.info?.max_payload ?? NATS_MAX_PAYLOAD;
    if (data.length > maxPayload) {
      log.warn({ ...who(), bytes: data.length, maxPayload }, "reply too large for NATS; answered REPLY_TOO_LARGE");
      reply = fail(new AppError("REPLY_TOO_LARGE"));
      data = encoder.encode(JSON.stringify(reply));
    }
    const seconds = (performance.now() - t0) / 1000;
    metrics?.requests.inc({ subject: msg.subject, outcome: reply.ok ? "ok" : reply.error.code });
    metrics?.latency.observe({ subject: msg.subject }, seconds);
    if (!reply.ok) metrics?.errors.inc({ code: reply.error.code });
    if (log.isLevelEnabled("debug")) {
      log.debug({ ...who(), ms: seconds * 1000, outcome: reply.ok ? "ok" : reply.error.code }, "command");
    }
    try {
      if (msg.reply) msg.respond(data);
    } catch (err) {
      // The connection closed under us (a hard stop): the caller times out and retries elsewhere.
      // Expected and retried: one readable line, no stack.
      log.warn({ ...who(), error: errorText(err) }, "reply not sent");
    }
  };

  const dispatch = async (type: string, msg: Msg, seen: (ctx: RequestContext) => void): Promise<Result<unknown>> => {
    const handler = handlers[type];
    if (!isCommandType(type) || COMMANDS[type].service !== service || !handler) {
      throw new AppError("UNKNOWN_COMMAND");
    }
    const envelope = parseUntrusted(commandEnvelopeSchema, safeJson(msg));
    if (!envelope.success) throw new AppError("BAD_REQUEST", "malformed envelope");
    seen(envelope.data.ctx);
    const body = parseUntrusted(COMMANDS[type].body, envelope.data.body);
    if (!body.success) throw new AppError("BAD_REQUEST");
    const ctx = envelope.data.ctx;
    if (COMMANDS[type].access === "anonymous") return ok(await handler(ctx, body.data));
    // Checked once here, so `user` handlers get a userId and a sessionId that are numbers and strings.
    const { userId, sessionId } = ctx;
    if (userId === undefined || sessionId === undefined) throw new AppError("NOT_AUTHENTICATED");
    return ok(await handler({ ...ctx, userId, sessionId }, body.data));
  };

  const track = (work: Promise<void>) => {
    metrics?.inFlight.inc();
    inflight.track(work).then(
      () => metrics?.inFlight.dec(),
      (err: unknown) => {
        metrics?.inFlight.dec();
        log.error({ err }, "command handling failed");
      },
    );
  };

  const commands = nc.subscribe(SUBJECTS.commandFamily(service), {
    queue: QUEUE[service],
    callback: (err, msg) => {
      if (err) {
        log.error({ err }, "command subscription failed");
        return;
      }
      track(handle(msg));
    },
  });
  // A subscription's drain() resolves once the server stops sending and the queued messages
  // reached the callback; the answers to them come later, so wait for those too.
  const drainCommands: Drainable = {
    async drain() {
      if (!nc.isClosed()) await commands.drain();
      await inflight.settled();
    },
  };
  const health = nc.subscribe(SUBJECTS.health(service), {
    queue: QUEUE[service],
    callback: (_err, msg) => {
      msg.respond(JSON.stringify(ok({ service, instance, uptimeMs: Date.now() - started })));
    },
  });
  return [drainCommands, { drain: () => (nc.isClosed() ? Promise.resolve() : health.drain()) }];
}

const encoder = new TextEncoder();

function safeJson(msg: Msg): unknown {
  try {
    return msg.json();
  } catch {
    return undefined;
  }
}

const VALUE_PREFIX = encoder.encode('{"ok":true,"value":');
const VALUE_SUFFIX = encoder.encode("}");

/** The reply as JSON.stringify would write it; an encoded value goes in as its bytes. */
function encodeReply(reply: Result<unknown>): Uint8Array {
  if (!reply.ok || !(reply.value instanceof EncodedValue)) return encoder.encode(JSON.stringify(reply));
  const { json } = reply.value;
  const data = new Uint8Array(VALUE_PREFIX.length + json.length + VALUE_SUFFIX.length);
  data.set(VALUE_PREFIX, 0);
  data.set(json, VALUE_PREFIX.length);
  data.set(VALUE_SUFFIX, VALUE_PREFIX.length + json.length);
  return data;
}
