/**
 * The process shell every service's main.ts shares: validated environment, logger, metrics, NATS,
 * the optional ops HTTP server (/healthz, /metrics) and signal handling. Each main.ts only says
 * how to build its service from these; the order of stopping lives here, once.
 */
import os from "node:os";
import { startOpsServer } from "./http.js";
import { runUntilSignal, type Runnable } from "./lifecycle.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { connectNats, type NatsConnection } from "./nats.js";

/** The fields of `baseEnv` the shell itself reads. */
export interface ShellEnv {
  NATS_URL: string;
  NATS_TOKEN?: string | undefined;
  NATS_USER?: string | undefined;
  NATS_PASSWORD?: string | undefined;
  LOG_LEVEL: string;
  LOG_PRETTY?: boolean | undefined;
  HTTP_HOST: string;
  HTTP_PORT?: number | undefined;
}

/** What a service is built from. */
export interface ServiceContext<E> {
  env: E;
  log: Logger;
  metrics: Metrics;
  nc: NatsConnection;
  /** Runs after the NATS connection drained, in reverse order of registration (a database's disconnect). */
  onClosed(close: () => Promise<void>): void;
}

export interface RunServiceOptions<E extends ShellEnv> {
  /** Names the logger, the metrics and (without `natsName`) the NATS connection. */
  name: string;
  /** Reads and validates the environment; a throw prints one readable error and exits 1. */
  env: () => E;
  /** The NATS connection's name, as the NATS server's monitoring shows it. */
  natsName?: (env: E) => string;
  /** Builds and starts the service; its `stop()` must answer what it accepted before resolving. */
  start: (ctx: ServiceContext<E>) => Promise<Pick<Runnable, "stop">>;
}

/** `host:pid`: unique per process, readable in health replies and logs. */
export const processInstance = () => `${os.hostname()}:${process.pid}`;

/**
 * Runs one service until SIGTERM/SIGINT. A failed start (bad environment, NATS unreachable, a port
 * taken) exits 1. Stopping: unhealthy at once, then the service answers its in-flight commands
 * (/metrics stays up meanwhile), then the ops server closes, NATS drains and `onClosed` runs.
 */
export async function runService<E extends ShellEnv>(opts: RunServiceOptions<E>): Promise<void> {
  const env = readEnvOrExit(opts.name, opts.env);
  const log = createLogger({
    service: opts.name,
    level: env.LOG_LEVEL,
    ...(env.LOG_PRETTY === undefined ? {} : { pretty: env.LOG_PRETTY }),
  });
  const metrics = createMetrics(opts.name);
  const closers: Array<() => Promise<void>> = [];
  let nc: NatsConnection | undefined;
  let service: Pick<Runnable, "stop"> | undefined;
  let ops: { close(): Promise<void> } | undefined;
  let stopping = false;

  await runUntilSignal(
    {
      async start() {
        const conn = await connectNats({
          url: env.NATS_URL,
          name: opts.natsName?.(env) ?? opts.name,
          token: env.NATS_TOKEN,
          user: env.NATS_USER,
          password: env.NATS_PASSWORD,
          log,
          metrics,
        });
        nc = conn;
        service = await opts.start({ env, log, metrics, nc: conn, onClosed: (close) => closers.push(close) });
        if (env.HTTP_PORT !== undefined) {
          const server = await startOpsServer({
            port: env.HTTP_PORT,
            host: env.HTTP_HOST,
            registry: metrics.registry,
            healthy: () => !stopping && !conn.isClosed(),
          });
          ops = server;
          log.info({ port: server.port }, "ops server listening");
        }
      },
      async stop() {
        stopping = true;
        await service?.stop();
        await ops?.close();
        if (nc && !nc.isClosed()) await nc.drain();
        for (const close of closers.reverse()) await close();
      },
    },
    log,
  );
}

function readEnvOrExit<E>(name: string, read: () => E): E {
  try {
    return read();
  } catch (err) {
    // No logger yet: its level comes from this very environment.
    console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    return process.exit(1);
  }
}
