/**
 * The whole system on loopback, each part its own process like `npm start` runs it (nats-server,
 * auth, social, chat, gateway from services/<name>/dist), on a fresh migrated database. Unlike
 * scripts/start.mjs, every service gets its own ops port (HTTP_PORT), so the benchmark can read
 * each process's event-loop delay from /metrics, and the pids are known directly for /proc.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startNats, tempDatabase } from "@sealroom/testkit";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export const SERVICES = ["auth", "social", "chat"] as const;
export type ProcName = (typeof SERVICES)[number] | "gateway" | "nats-server";

export interface StackOptions {
  /** Extra environment for every service (limits, argon2 cost). */
  env?: Record<string, string>;
  /** Node flags per process, e.g. { gateway: ["--cpu-prof", "--cpu-prof-dir=..."] }. */
  nodeFlags?: Partial<Record<ProcName, string[]>>;
  /** Run these services from <dir>/services/<name>/dist instead of the build (A/B runs). */
  override?: { dir: string; services: ProcName[] };
  /**
   * Gateway processes, each on its own port (default `BENCH_GATEWAYS`, else 1). Clients are spread
   * over them; their CPU and event loop are reported as gateway, gateway2, ...
   */
  gateways?: number;
}

export interface Stack {
  /** The first gateway's WebSocket URL. */
  wsUrl: string;
  /** Every gateway's, in order (one unless `gateways` asked for more). */
  wsUrls: string[];
  /** The private nats-server (JetStream on): the attachments benchmark measures its object store directly. */
  natsUrl: string;
  /** The database the services share (`file:` SQLite or `postgresql://`, testkit's SEALROOM_TEST_DB). */
  dbUrl: string;
  dataDir: string;
  /** Keyed by ProcName; a second gateway is `gateway2`, and so on. */
  pids: Record<ProcName, number> & Record<string, number>;
  /** /metrics of every Node process (each on its ops port, HTTP_PORT), keyed like `pids`. */
  metricsUrls: Partial<Record<string, string>>;
  stop(): Promise<void>;
}

/** Limits that protect a real deployment but would throttle a load generator on one address. */
export const BENCH_ENV: Record<string, string> = {
  LOG_LEVEL: "warn",
  LOG_PRETTY: "false",
  ARGON2_MEMORY_KIB: "1024",
  ARGON2_TIME_COST: "1",
  ARGON2_PARALLELISM: "1",
  THROTTLE_REGISTRATIONS_PER_IP: "1000000",
  SIGNIN_CONCURRENCY_PER_IP: "1000000",
  // S4 and S5 sign in several connections of one user at once (auth allows 4 per account).
  SIGNIN_CONCURRENCY_PER_ACCOUNT: "1000000",
  THROTTLE_IP_MAX_FAILURES: "1000000",
  RATE_LIMIT_PER_SEC: "100000",
  RATE_LIMIT_BURST: "100000",
  CHAT_SEND_RATE_PER_SEC: "100000",
  CHAT_SEND_BURST: "100000",
  // bench:attachments measures the upload path's throughput, not the per-user byte budget.
  CHAT_BLOB_BYTES_PER_SEC: "1000000000",
  CHAT_BLOB_BURST_BYTES: "1000000000",
  // The plaintext scenarios (and e2e-send's plaintext baseline) use SDK clients without `e2e`.
  CHAT_REQUIRE_E2E: "0",
  MAX_CONNECTIONS: "30000",
  MAX_CONNECTIONS_PER_IP: "100000",
  MAX_CONNECTIONS_PER_USER: "100",
  HANDSHAKE_RATE_PER_IP: "1000000",
  HANDSHAKE_BURST_PER_IP: "1000000",
  COMMAND_TIMEOUT_MS: "10000",
  HASH_QUEUE: "100000",
  // Setup signs in thousands of connections; auth holds a hash slot across its Prisma statements.
  HASH_CONCURRENCY: "16",
};

/** Stacks still running, so an interrupted benchmark can stop them (see cli.ts). */
const live = new Set<() => Promise<void>>();
export async function stopAllStacks(): Promise<void> {
  await Promise.all([...live].map((stop) => stop()));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(url: string, child: ChildProcess, log: () => string, deadlineMs = 30_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`a process exited during startup:\n${log()}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url}/healthz did not answer:\n${log()}`);
    await sleep(100);
  }
}

function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * Stacks start one at a time. Starting is CPU-bound (five processes loading their code), so stacks
 * started together (the smoke test runs scenarios side by side) each took as long as all of them,
 * and missed waitHealthy's deadline; once started, their scenarios overlap freely.
 */
let starting: Promise<unknown> = Promise.resolve();
export function startStack(opts: StackOptions = {}): Promise<Stack> {
  const turn = starting.then(() => launchStack(opts));
  starting = turn.catch(() => undefined);
  return turn;
}

async function launchStack(opts: StackOptions): Promise<Stack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "sealroom-bench-"));
  const nats = await startNats();
  const db = await tempDatabase();
  const children: Array<{ name: ProcName; child: ChildProcess }> = [];
  let tail = "";
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-6000));

  const spawnNode = (name: ProcName, env: Record<string, string>) => {
    const base = opts.override?.services.includes(name) ? opts.override.dir : repoRoot;
    const main = path.join(base, "services", name, "dist", "main.js");
    const child = spawn(process.execPath, [...(opts.nodeFlags?.[name] ?? []), main], {
      cwd: repoRoot,
      env: { ...process.env, ...BENCH_ENV, ...opts.env, NATS_URL: nats.url, DATABASE_URL: db.url, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    children.push({ name, child });
    return child;
  };

  const stop = async () => {
    live.delete(stop);
    const gw = children.filter((c) => c.name === "gateway");
    await Promise.all(gw.map((c) => stopProcess(c.child)));
    await Promise.all(children.filter((c) => c.name !== "gateway").map((c) => stopProcess(c.child)));
    await nats.stop();
    await db.remove();
    rmSync(dataDir, { recursive: true, force: true });
  };

  live.add(stop);
  try {
    const metricsUrls: Stack["metricsUrls"] = {};
    const pids = { "nats-server": nats.process.pid! } as Stack["pids"];
    await Promise.all(
      SERVICES.map(async (name) => {
        const port = await freePort();
        const child = spawnNode(name, { HTTP_PORT: String(port) });
        const url = `http://127.0.0.1:${port}`;
        await waitHealthy(url, child, () => tail);
        metricsUrls[name] = `${url}/metrics`;
        pids[name] = child.pid!;
      }),
    );
    const gateways = opts.gateways ?? Number(process.env.BENCH_GATEWAYS ?? 1);
    if (!Number.isInteger(gateways) || gateways < 1)
      throw new Error(`BENCH_GATEWAYS must be 1 or more, not ${gateways}`);
    const wsUrls: string[] = [];
    mkdirSync(dataDir, { recursive: true });
    // One after another: the first makes the key file the others read.
    for (let i = 1; i <= gateways; i++) {
      const port = await freePort();
      const opsPort = await freePort();
      const gateway = spawnNode("gateway", {
        PORT: String(port),
        HOST: "127.0.0.1",
        // /metrics is on the ops port, not the public one.
        HTTP_PORT: String(opsPort),
        GATEWAY_KEY_FILE: path.join(dataDir, "gateway-key.pem"),
        WEB_DIR: path.join(dataDir, "no-web"),
      });
      await waitHealthy(`http://127.0.0.1:${port}`, gateway, () => tail);
      const key = i === 1 ? "gateway" : `gateway${i}`;
      metricsUrls[key] = `http://127.0.0.1:${opsPort}/metrics`;
      pids[key] = gateway.pid!;
      wsUrls.push(`ws://127.0.0.1:${port}/ws`);
    }
    return { wsUrl: wsUrls[0]!, wsUrls, natsUrl: nats.url, dbUrl: db.url, dataDir, pids, metricsUrls, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
