/**
 * Sealroom as separate OS processes, the way a deployment runs it, for the scale-out tests: one
 * nats-server with the per-role users and subject permissions of deploy/nats/auth.conf, and any
 * number of instances of each service and gateway, each `node services/<name>/dist/main.js` with
 * its own NATS user, /healthz and /metrics. Needs the built dist/ (`npm test` builds first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateServerKeyPem } from "@sealroom/proto/session/node";
import { freePort, tempDatabase, type TempDb } from "@sealroom/testkit";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const AUTH_CONF = path.join(root, "deploy/nats/auth.conf");
/** What `npm start` runs: limits.conf (max_payload) and auth.conf. */
export const LOCAL_NATS_CONF = path.join(root, "deploy/nats/local.conf");
export const ROLES = ["gateway", "auth", "chat", "social", "ops"] as const;
export type Role = (typeof ROLES)[number];
export type ProcessKind = "gateway" | "auth" | "chat" | "social";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Proc {
  name: string;
  kind: ProcessKind | "nats-server";
  child: ChildProcess;
  /** /healthz (the gateway: its public port, with /ws and /server-key). */
  httpUrl: string;
  /** /healthz and /metrics: the ops port (for auth, chat and social the same as httpUrl). */
  opsUrl: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

function launch(
  name: string,
  kind: Proc["kind"],
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  httpUrl: string,
  opsUrl = httpUrl,
): Proc {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    name,
    kind,
    child,
    httpUrl,
    opsUrl,
    exited,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export interface Cluster {
  natsUrl: string;
  /** The password of each NATS role (for tests that connect as one). */
  passwords: Record<Role, string>;
  database: TempDb;
  procs: Proc[];
  /** Starts one more instance and waits until its /healthz answers 200. */
  start(kind: ProcessKind, extraEnv?: Record<string, string>): Promise<Proc>;
  stop(): Promise<void>;
}

/** Test-friendly settings: cheap password hashing, generous limits, fast presence and timeouts. */
export const SETTINGS: Record<ProcessKind, Record<string, string>> = {
  auth: {
    ARGON2_MEMORY_KIB: "1024",
    ARGON2_TIME_COST: "1",
    ARGON2_PARALLELISM: "1",
    THROTTLE_REGISTRATIONS_PER_IP: "1000",
    SIGNIN_CONCURRENCY_PER_IP: "1000",
  },
  // One test user sends far faster than a person: lift the per-user budget, or retries would
  // count twice in the per-instance request totals.
  // The clients here send plaintext (no `e2e` option): the deployments' default refuses it.
  chat: {
    CHAT_SEND_RATE_PER_SEC: "10000",
    CHAT_SEND_BURST: "10000",
    CHAT_READ_ENTRIES_PER_SEC: "10000000",
    CHAT_READ_BURST: "10000000",
    CHAT_REQUIRE_E2E: "0",
  },
  social: { PRESENCE_SWEEP_MS: "100", PRESENCE_BATCH_MS: "50" },
  gateway: {
    RATE_LIMIT_PER_SEC: "1000",
    RATE_LIMIT_BURST: "1000",
    // A presence report times out after a third of the lease (at most 2 s) and is retried with a
    // backoff of up to 5 s. With a 1-s lease that was a 333-ms timeout against social's
    // serializable transaction on PostgreSQL over the bridge: under CI load every report timed out,
    // the leases lapsed and users flickered offline, and multi-host's "online to each other" wait
    // ran out at 30 s (twice in CI). No test here waits for a lease to run out.
    PRESENCE_HEARTBEAT_MS: "1000",
    PRESENCE_TTL_MS: "6000",
    // 3 s timed out a friend request in CI (load ~11: social's transaction on PostgreSQL over the
    // bridge, through the NATS cluster); the deployments' default is 5 s.
    COMMAND_TIMEOUT_MS: "8000",
    HANDSHAKE_RATE_PER_IP: "10000",
    HANDSHAKE_BURST_PER_IP: "10000",
  },
};

export async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-cluster-"));
  const passwords = Object.fromEntries(ROLES.map((r) => [r, `p${randomBytes(16).toString("hex")}`])) as Record<
    Role,
    string
  >;
  const natsPort = await freePort();
  const natsEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const role of ROLES) natsEnv[`NATS_${role.toUpperCase()}_PASSWORD`] = passwords[role];
  const nats = launch(
    "nats-server",
    "nats-server",
    process.env.NATS_SERVER_BIN ?? "nats-server",
    ["-c", LOCAL_NATS_CONF, "-a", "127.0.0.1", "-p", String(natsPort), "-js", "-sd", path.join(dir, "nats")],
    natsEnv,
    "",
  );
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  await waitFor(`nats-server on ${natsPort}`, async () => {
    if (nats.child.exitCode !== null) throw new Error(`nats-server exited:\n${nats.output()}`);
    return canConnect(natsPort);
  });

  const database = await tempDatabase();
  const keyFile = path.join(dir, "gateway-key.pem");
  writeFileSync(keyFile, generateServerKeyPem(2048), { mode: 0o600 });
  const procs: Proc[] = [nats];
  const counts: Partial<Record<ProcessKind, number>> = {};

  const start = async (kind: ProcessKind, extraEnv: Record<string, string> = {}): Promise<Proc> => {
    const n = (counts[kind] = (counts[kind] ?? 0) + 1) - 1;
    const name = `${kind}-${n}`;
    const port = await freePort();
    // The gateway's /metrics is on its own ops port, not the public one.
    const opsPort = kind === "gateway" ? await freePort() : port;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NATS_URL: natsUrl,
      NATS_USER: kind,
      NATS_PASSWORD: passwords[kind],
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
      LOG_PRETTY: "false",
      ...SETTINGS[kind],
      ...(kind === "gateway"
        ? {
            HOST: "127.0.0.1",
            PORT: String(port),
            HTTP_HOST: "127.0.0.1",
            HTTP_PORT: String(opsPort),
            GATEWAY_ID: `gw${n}`,
            GATEWAY_KEY_FILE: keyFile,
            WEB_DIR: "/nonexistent",
          }
        : { DATABASE_URL: database.url, HTTP_HOST: "127.0.0.1", HTTP_PORT: String(port) }),
      ...(kind === "auth" ? { INSTANCE_ID: name } : {}),
      ...extraEnv,
    };
    const proc = launch(
      name,
      kind,
      process.execPath,
      [path.join(root, "services", kind, "dist/main.js")],
      env,
      `http://127.0.0.1:${port}`,
      `http://127.0.0.1:${opsPort}`,
    );
    procs.push(proc);
    await waitFor(`${name} /healthz`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited (${proc.child.exitCode}):\n${proc.output()}`);
      try {
        const res = await fetch(`${proc.httpUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
        return res.status === 200;
      } catch {
        return false;
      }
    });
    return proc;
  };

  return {
    natsUrl,
    passwords,
    database,
    procs,
    start,
    async stop() {
      // Gateways, then services, then the broker: the order a deployment stops in.
      const order: Array<Proc["kind"]> = ["gateway", "auth", "chat", "social", "nats-server"];
      for (const kind of order) {
        await Promise.all(
          procs
            .filter((p) => p.kind === kind)
            .map(async (p) => {
              const killer = setTimeout(() => p.child.kill("SIGKILL"), 5000);
              await p.kill("SIGTERM");
              clearTimeout(killer);
            }),
        );
      }
      await database.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function canConnect(port: number): Promise<boolean> {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * One counter of a process's /metrics (Prometheus text), summed over the series whose labels
 * include `labels`.
 */
export async function counter(
  proc: Pick<Proc, "opsUrl">,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${proc.opsUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? ([-+\d.eE]+|NaN|[+-]Inf)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(m[3]);
  }
  return sum;
}
