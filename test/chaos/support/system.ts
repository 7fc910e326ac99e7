/**
 * The fault-test harness: the real system as separate OS processes on loopback, each of which a
 * test can SIGKILL and start again. A private nats-server (testkit; it restarts on the same port and
 * store), a migrated temp database (testkit: a SQLite file, or a PostgreSQL database with
 * SEALROOM_TEST_DB=postgresql), and the services and gateways spawned from their
 * dist/ builds (`npm run build` first) with an environment of the test's choosing. Also: SDK
 * clients that pin the gateway key, optionally from another loopback address, and
 * /proc readings (peak memory) of every process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { createDb, type Db } from "@sealroom/db";
import { openSql, type SqlDb } from "@sealroom/db/sql";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import { toHex } from "@sealroom/proto/session";
import { MAX_SERVER_MESSAGE_BYTES } from "@sealroom/proto/wire";
import { createNodeClient, type NodeClientOptions, type SealroomClient } from "@sealroom/sdk/node";
import { freePort, startNats, tempDatabase, type NatsServer, type TempDb } from "@sealroom/testkit";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export type ServiceName = "auth" | "social" | "chat";
type Env = Record<string, string>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Peak resident memory (VmHWM) of a live process in MiB, from /proc; 0 once it is gone. */
export function peakRssMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** Current resident memory (VmRSS) in MiB. */
export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU time (user + system) a live process has used so far, in ms, from /proc; 0 once it is gone.
 * /proc counts clock ticks of USER_HZ, 100 a second on Linux.
 */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // The fields after the command name, which may itself hold spaces: utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** One spawned process of the system (a service or a gateway), restartable with the same env. */
export class Proc {
  child: ChildProcess | undefined;
  private log = "";
  /** Highest VmHWM seen across every incarnation (sampled at kills and on demand). */
  private peak = 0;
  kills = 0;

  constructor(
    readonly name: string,
    private readonly script: string,
    private env: Env,
    /** GET this until it answers 200: the process is serving. */
    readonly healthUrl: string,
    /** Its Prometheus text (the gateway's is on its ops port, not the public one). */
    readonly metricsUrl = healthUrl.replace("/healthz", "/metrics"),
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.log;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(process.execPath, [this.script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: os.homedir(), LOG_PRETTY: "false", LOG_LEVEL: "warn", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const keep = (d: Buffer) => (this.log = (this.log + d.toString()).slice(-20_000));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const until = Date.now() + timeoutMs;
    while (!(await httpOk(this.healthUrl))) {
      if (!this.running) throw new Error(`${this.name} exited during start:\n${this.log}`);
      if (Date.now() > until) throw new Error(`${this.name} not healthy within ${timeoutMs} ms:\n${this.log}`);
      await sleep(50);
    }
  }

  /** Highest peak RSS of this process so far, in MiB. */
  peakMiB(): number {
    this.peak = Math.max(this.peak, peakRssMiB(this.pid));
    return this.peak;
  }

  /** SIGKILL: no shutdown code runs. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.peakMiB();
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await gone;
    this.kills++;
  }

  /** SIGKILL, then start again, with `env` changed for this and every later start. */
  async restart(env: Env = {}): Promise<void> {
    await this.kill();
    this.env = { ...this.env, ...env };
    await this.start();
  }
}

export interface SystemOptions {
  gateways?: number;
  /** Extra environment for every process. */
  env?: Env;
  /** Per-process extra environment (e.g. `{ gateway0: {...}, auth: {...} }`). */
  envOf?: Partial<Record<ServiceName | `gateway${number}`, Env>>;
}

export interface System {
  nats: NatsServer;
  database: TempDb;
  services: Record<ServiceName, Proc>;
  gateways: Proc[];
  /** ws://127.0.0.1:port/ws of each gateway. */
  wsUrls: string[];
  /** http://127.0.0.1:port of each gateway. */
  httpUrls: string[];
  /** A Prisma client on the shared database, for assertions. */
  db(): Promise<Db>;
  /**
   * Hand-written SQL on the shared database (`@sealroom/db/sql`, `?` parameters on both engines),
   * for the checks that are raw SQL; the same connection each call, closed by `stop()`.
   */
  sql(): SqlDb;
  /**
   * An SDK client (not yet connected) that pins the gateways' key; `localAddress` makes it connect from another loopback address (127.0.0.2, ...).
   */
  client(opts?: Partial<NodeClientOptions> & { localAddress?: string }): SealroomClient;
  /** The `ws` socket of a client created with `client()`, once it has one (e.g. to pause reading). */
  socketOf(client: SealroomClient): WebSocket | undefined;
  /** A process's /metrics value (summed over the label sets that match `labels`). */
  metric(proc: Proc, name: string, labels?: Record<string, string>): Promise<number>;
  /** Peak memory of every process seen so far, in MiB. */
  peaks(): Record<string, number>;
  /** CPU ms used so far by every live process of the system, nats-server included, and by this one. */
  cpu(): Record<string, number>;
  stop(): Promise<void>;
}

/** Fast argon2 and generous limits, so a test measures what it means to measure. */
export const TEST_ENV: Env = {
  // The chaos clients send plaintext (no `e2e` option): the deployments' default refuses it.
  CHAT_REQUIRE_E2E: "0",
  ARGON2_MEMORY_KIB: "1024",
  ARGON2_TIME_COST: "1",
  ARGON2_PARALLELISM: "1",
  THROTTLE_REGISTRATIONS_PER_IP: "100000",
  // Every simulated user signs in from this one address.
  SIGNIN_CONCURRENCY_PER_IP: "100000",
  COMMAND_TIMEOUT_MS: "5000",
  PRESENCE_HEARTBEAT_MS: "500",
  PRESENCE_TTL_MS: "2000",
};

/** Gateway limits high enough that only the scenario's own limits apply. */
export const NO_GATEWAY_LIMITS: Env = {
  RATE_LIMIT_PER_SEC: "100000",
  RATE_LIMIT_BURST: "100000",
  MAX_CONNECTIONS_PER_IP: "100000",
  HANDSHAKE_RATE_PER_IP: "100000",
  HANDSHAKE_BURST_PER_IP: "100000",
};

/** The chat service's per-user reading budget lifted: a simulated user reads far faster than a person. */
export const NO_READ_LIMIT: Env = {
  CHAT_READ_ENTRIES_PER_SEC: "10000000",
  CHAT_READ_BURST: "10000000",
};

export async function startSystem(opts: SystemOptions = {}): Promise<System> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-chaos-"));
  const nats = await startNats();
  const database = await tempDatabase();
  const keyFile = path.join(dir, "gateway-key.pem");
  const keyPem = generateServerKeyPem(2048);
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  // Clients pin the key, as a device given the fingerprint that `npm start` prints does. Trust on
  // first use would write a known-hosts file per client on its first visit to each gateway: in the
  // failover, 5,000 files written by one test process in the middle of the storm it measures.
  const pin = toHex(nodeServerKey(keyPem).keyId);
  const common: Env = { ...TEST_ENV, ...opts.env, NATS_URL: nats.url, DATABASE_URL: database.url };

  const script = (svc: string) => path.join(root, `services/${svc}/dist/main.js`);
  const services = {} as Record<ServiceName, Proc>;
  const procs: Proc[] = [];
  try {
    await Promise.all(
      (["auth", "social", "chat"] as const).map(async (svc) => {
        const port = await freePort();
        const proc = new Proc(
          svc,
          script(svc),
          { ...common, ...opts.envOf?.[svc], HTTP_PORT: String(port) },
          `http://127.0.0.1:${port}/healthz`,
        );
        services[svc] = proc;
        procs.push(proc);
        await proc.start();
      }),
    );
    const gateways: Proc[] = [];
    for (let i = 0; i < (opts.gateways ?? 1); i++) {
      const port = await freePort();
      const opsPort = await freePort();
      const env: Env = {
        ...common,
        ...opts.envOf?.[`gateway${i}`],
        PORT: String(port),
        HOST: "127.0.0.1",
        HTTP_HOST: "127.0.0.1",
        HTTP_PORT: String(opsPort),
        GATEWAY_ID: `gw${i}`,
        GATEWAY_KEY_FILE: keyFile,
        WEB_DIR: path.join(dir, "no-web"),
      };
      const proc = new Proc(
        `gateway${i}`,
        script("gateway"),
        env,
        `http://127.0.0.1:${port}/healthz`,
        `http://127.0.0.1:${opsPort}/metrics`,
      );
      gateways.push(proc);
      procs.push(proc);
    }
    await Promise.all(gateways.map((g) => g.start()));
    const httpUrls = gateways.map((g) => g.healthUrl.replace("/healthz", ""));
    const wsUrls = httpUrls.map((u) => `${u.replace("http:", "ws:")}/ws`);

    const sockets = new WeakMap<SealroomClient, WebSocket>();
    const clients: SealroomClient[] = [];
    const dbs: Db[] = [];
    let sqlDb: SqlDb | undefined;
    return {
      nats,
      database,
      services,
      gateways,
      wsUrls,
      httpUrls,
      async db() {
        const db = await createDb({ url: database.url });
        dbs.push(db);
        return db;
      },
      sql() {
        sqlDb ??= openSql(database.url, { applicationName: "sealroom-chaos" });
        return sqlDb;
      },
      client(o = {}) {
        const { localAddress, ...rest } = o;
        const holder: { c?: SealroomClient; ws?: WebSocket } = {};
        const client = createNodeClient({
          urls: wsUrls,
          pin,
          reconnect: { initialDelayMs: 50, maxDelayMs: 1000 },
          socketFactory: (url: string) => {
            const ws = new WebSocket(url, {
              perMessageDeflate: false,
              maxPayload: MAX_SERVER_MESSAGE_BYTES + 1024,
              ...(localAddress ? { localAddress } : {}),
            });
            holder.ws = ws;
            if (holder.c) sockets.set(holder.c, ws);
            return ws as never;
          },
          ...rest,
        });
        holder.c = client;
        if (holder.ws) sockets.set(client, holder.ws);
        clients.push(client);
        return client;
      },
      socketOf: (c) => sockets.get(c),
      async metric(proc, name, labels = {}) {
        const text = await (await fetch(proc.metricsUrl)).text();
        let sum = 0;
        for (const line of text.split("\n")) {
          const m = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
          if (!m || m[1] !== name) continue;
          const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
          if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
        }
        return sum;
      },
      peaks() {
        return Object.fromEntries(procs.map((p) => [p.name, p.peakMiB()]));
      },
      cpu() {
        const { user, system } = process.cpuUsage();
        return {
          ...Object.fromEntries(procs.filter((p) => p.running).map((p) => [p.name, cpuMs(p.pid)])),
          "nats-server": cpuMs(nats.process.pid),
          "test process": Math.round((user + system) / 1000),
        };
      },
      async stop() {
        for (const c of clients) c.close();
        for (const db of dbs) await db.$disconnect().catch(() => undefined);
        await sqlDb?.close().catch(() => undefined);
        await Promise.all(procs.map((p) => p.kill()));
        await nats.stop();
        await database.remove();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(procs.map((p) => p.kill()));
    await nats.stop();
    await database.remove();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
