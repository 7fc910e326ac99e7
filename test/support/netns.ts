/**
 * Several hosts on one machine, for test/multi-host.test.ts: each host is a Linux network namespace
 * (`ip netns`) with its own interfaces, addresses and ports, joined by a veth pair to a bridge in the
 * root namespace, like machines on one LAN. A process is started "on a host" with
 * `ip netns exec <ns> <command>` (which execs it: the child's pid is the process's pid), shares the
 * file system with everything else, and reaches the other hosts, and is reached from the root
 * namespace (the test's SDK clients), over the bridge only. Killing a host kills every process in
 * its namespace (`ip netns pids`), whoever started it.
 *
 * On this machine's scale: a NATS node per host with deploy/nats/cluster.conf, and a private
 * PostgreSQL on one host (the system one listens on 127.0.0.1 only, which no namespace can reach).
 *
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and iproute2; `netnsUnavailable()` says why not.
 * Names carry the test process's pid, so a run that died before its teardown is cleaned up by the
 * next one (`pruneStale`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLUSTER_NATS_CONF = path.join(root, "deploy/nats/cluster.conf");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error?.message ?? ""}` };
}

function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (!r.ok) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.out.trim()}`);
  return r.out;
}

/** Why namespaces cannot be built here (not root, no iproute2, no permission), or undefined. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== "linux") return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "not root: `ip netns` and veth pairs need CAP_NET_ADMIN and CAP_SYS_ADMIN";
  const probe = `sealroom-probe-${process.pid}`;
  const added = run("ip", ["netns", "add", probe]);
  if (!added.ok) return `\`ip netns add\` failed (is iproute2 installed?): ${added.out.trim()}`;
  run("ip", ["netns", "del", probe]);
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** SIGKILLs every process of a namespace and waits until none is left. */
async function killAllIn(ns: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const pids = run("ip", ["netns", "pids", ns])
      .out.split(/\s+/)
      .filter((p) => /^\d+$/.test(p))
      .map(Number);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    await sleep(20);
  }
  throw new Error(`processes of ${ns} survive SIGKILL`);
}

const NS_NAME = /^sealroom-([0-9a-z]+)x[0-9a-f]{4}-h\d+/;
const BRIDGE_NAME = /^sb([0-9a-z]+)x[0-9a-f]{4}$/;

/** Removes namespaces and bridges left by earlier runs whose process is gone. */
export async function pruneStale(): Promise<void> {
  for (const line of run("ip", ["netns", "list"]).out.split("\n")) {
    const m = NS_NAME.exec(line.trim());
    if (!m || alive(parseInt(m[1]!, 36))) continue;
    const ns = line.trim().split(/\s+/)[0]!;
    await killAllIn(ns);
    run("ip", ["netns", "del", ns]);
  }
  for (const line of run("ip", ["-o", "link", "show", "type", "bridge"]).out.split("\n")) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    const m = name ? BRIDGE_NAME.exec(name) : null;
    if (m && !alive(parseInt(m[1]!, 36))) run("ip", ["link", "del", name!]);
  }
}

export interface Host {
  /** host1, host2, ... */
  name: string;
  /** The namespace. */
  ns: string;
  /** Its address on the bridge. */
  ip: string;
  /** Starts `cmd` in this host's namespace. */
  spawn(cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; cwd?: string }): ChildProcess;
  /** Runs `cmd` in this host's namespace to completion. */
  exec(cmd: string, args: string[]): { ok: boolean; out: string };
  /** SIGKILLs every process in the namespace (anything started there, by anyone), like a host that dies. */
  kill(): Promise<void>;
}

export interface Lan {
  hosts: Host[];
  /** The root namespace's address on the bridge (where the SDK clients connect from). */
  bridgeIp: string;
  /** 10.x.y.0/24 */
  subnet: string;
  /** Kills every process of every host, removes the namespaces, veths and the bridge. Idempotent. */
  teardown(): Promise<void>;
}

/** A /24 in 10/8 that no interface or route of this machine uses. */
function freeSubnet(): string {
  const used = run("ip", ["-4", "-o", "addr", "show"]).out + run("ip", ["-4", "route", "show", "table", "all"]).out;
  for (let i = 0; i < 200; i++) {
    const prefix = `10.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 256)}`;
    if (!used.includes(`${prefix}.`)) return prefix;
  }
  throw new Error("no free 10.x.y.0/24");
}

/** `count` hosts on one bridge: host i at 10.x.y.(i+2), the root namespace at 10.x.y.1. */
export async function createLan(count: number): Promise<Lan> {
  await pruneStale();
  const id = `${process.pid.toString(36)}x${randomBytes(2).toString("hex")}`;
  const prefix = freeSubnet();
  const bridge = `sb${id}`;
  const bridgeIp = `${prefix}.1`;
  const created: { namespaces: string[]; veths: string[]; bridge?: string } = { namespaces: [], veths: [] };
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    for (const ns of created.namespaces) await killAllIn(ns);
    // Deleting a veth deletes its peer at once; a namespace's own cleanup is asynchronous.
    for (const veth of created.veths) run("ip", ["link", "del", veth]);
    for (const ns of created.namespaces) run("ip", ["netns", "del", ns]);
    if (created.bridge) run("ip", ["link", "del", created.bridge]);
  };
  try {
    must("ip", ["link", "add", bridge, "type", "bridge"]);
    created.bridge = bridge;
    must("ip", ["addr", "add", `${bridgeIp}/24`, "dev", bridge]);
    must("ip", ["link", "set", bridge, "up"]);
    const hosts: Host[] = [];
    for (let i = 1; i <= count; i++) {
      const ns = `sealroom-${id}-h${i}`;
      const veth = `sv${id}${i}`;
      const peer = `sp${id}${i}`;
      const ip = `${prefix}.${i + 1}`;
      must("ip", ["netns", "add", ns]);
      created.namespaces.push(ns);
      must("ip", ["link", "add", veth, "type", "veth", "peer", "name", peer]);
      created.veths.push(veth);
      must("ip", ["link", "set", peer, "netns", ns]);
      must("ip", ["link", "set", veth, "master", bridge, "up"]);
      must("ip", ["-n", ns, "link", "set", peer, "name", "eth0"]);
      must("ip", ["-n", ns, "addr", "add", `${ip}/24`, "dev", "eth0"]);
      must("ip", ["-n", ns, "link", "set", "eth0", "up"]);
      must("ip", ["-n", ns, "link", "set", "lo", "up"]);
      hosts.push({
        name: `host${i}`,
        ns,
        ip,
        spawn: (cmd, args, opts = {}) =>
          spawn("ip", ["netns", "exec", ns, cmd, ...args], {
            cwd: opts.cwd ?? root,
            env: opts.env ?? { PATH: process.env.PATH },
            stdio: ["ignore", "pipe", "pipe"],
          }),
        exec: (cmd, args) => run("ip", ["netns", "exec", ns, cmd, ...args]),
        kill: () => killAllIn(ns),
      });
    }
    return { hosts, bridgeIp, subnet: `${prefix}.0/24`, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}

/** Resolves once something accepts TCP connections on ip:port (from the root namespace). */
export async function waitForTcp(ip: string, port: number, timeoutMs = 10_000, failed?: () => string | undefined) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const why = failed?.();
    if (why) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: ip, port, timeout: 500 }, () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
      s.once("timeout", () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${ip}:${port}`);
    await sleep(25);
  }
}

/** A child process with its output kept for failure messages. */
export interface Started {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  output(): string;
  running(): boolean;
}

export function track(name: string, child: ChildProcess): Started {
  let out = "";
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name,
    child,
    exited,
    output: () => out,
    running: () => child.exitCode === null && child.signalCode === null,
  };
}

export interface NatsClusterNode extends Started {
  host: Host;
  /** nats://<host ip>:4222 */
  url: string;
  /** http://<host ip>:8222 (/healthz, /routez) */
  monitorUrl: string;
}

/**
 * One nats-server per host with deploy/nats/cluster.conf, exactly as a deployment runs it (ports
 * 4222, 6222, 8222 on the host's address), routes to every other node, the role passwords of
 * auth.conf. Resolves once every node has a route to every other.
 */
export async function startNatsCluster(
  hosts: Host[],
  passwords: Record<string, string>,
): Promise<{ nodes: NatsClusterNode[]; routePassword: string }> {
  const routePassword = `r${randomBytes(16).toString("hex")}`;
  const nodes = hosts.map((host, i): NatsClusterNode => {
    const peers = hosts.filter((h) => h !== host);
    // cluster.conf's JetStream store: one per node (the namespaces share this filesystem).
    const storeDir = mkdtempSync(path.join(os.tmpdir(), `sealroom-nats-${i + 1}-`));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NATS_STORE_DIR: storeDir,
      NATS_SERVER_NAME: `nats-${i + 1}`,
      NATS_ROUTE_PASSWORD: routePassword,
      NATS_ROUTE_A: `nats-route://route:${routePassword}@${peers[0]!.ip}:6222`,
      NATS_ROUTE_B: `nats-route://route:${routePassword}@${peers[1]!.ip}:6222`,
    };
    for (const [role, password] of Object.entries(passwords)) env[`NATS_${role.toUpperCase()}_PASSWORD`] = password;
    const child = host.spawn(process.env.NATS_SERVER_BIN ?? "nats-server", ["-c", CLUSTER_NATS_CONF], { env });
    const started = track(`nats-${i + 1}`, child);
    void started.exited.then(() => rmSync(storeDir, { recursive: true, force: true }));
    return {
      ...started,
      host,
      url: `nats://${host.ip}:4222`,
      monitorUrl: `http://${host.ip}:8222`,
    };
  });
  const until = Date.now() + 15_000;
  for (const node of nodes) {
    for (;;) {
      if (!node.running()) throw new Error(`${node.name} exited:\n${node.output()}`);
      const routes = await fetch(`${node.monitorUrl}/routez`, { signal: AbortSignal.timeout(1000) })
        .then(async (r) => ((await r.json()) as { num_routes?: number }).num_routes ?? 0)
        .catch(() => 0);
      if (routes >= hosts.length - 1) break;
      if (Date.now() > until) throw new Error(`${node.name} has ${routes} routes:\n${node.output()}`);
      await sleep(50);
    }
  }
  return { nodes, routePassword };
}

/** The directory of PostgreSQL's server binaries (initdb, postgres): PG_BIN_DIR, or the newest installed. */
export function postgresBinDir(): string | undefined {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, "bin/postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], "bin") : undefined;
}

export interface PrivatePostgres extends Started {
  host: Host;
  /** postgresql://postgres@<host ip>:5432/<database> */
  url: string;
  /** Milliseconds: initdb, and the server until it accepts connections. */
  timings: { initdbMs: number; startMs: number };
  /** Stops the server (fast shutdown) and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * A private PostgreSQL in `host`'s namespace on a temp directory, listening on the host's address
 * (5432), trusting connections from `subnet`, with one empty database. Runs as the `postgres` OS
 * user (it refuses to run as root). fsync is off: the test kills processes, not the kernel, and the
 * page cache survives a process kill, so a committed transaction is still there.
 */
export async function startPrivatePostgres(
  host: Host,
  subnet: string,
  database = "sealroom",
): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("no PostgreSQL server binaries (apt-get install postgresql, or set PG_BIN_DIR)");
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-pg-"));
  const data = path.join(dir, "data");
  must("chown", ["postgres:postgres", dir]);
  const asPostgres = ["--reuid=postgres", "--regid=postgres", "--init-groups", "--"];
  let t = Date.now();
  must("setpriv", [
    ...asPostgres,
    path.join(bin, "initdb"),
    "-D",
    data,
    "-U",
    "postgres",
    "-A",
    "trust",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  const initdbMs = Date.now() - t;
  appendFileSync(path.join(data, "pg_hba.conf"), `host all all ${subnet} trust\n`);
  t = Date.now();
  const child = host.spawn(
    "setpriv",
    [
      ...asPostgres,
      path.join(bin, "postgres"),
      "-D",
      data,
      "-c",
      `listen_addresses=${host.ip}`,
      "-c",
      "port=5432",
      "-c",
      `unix_socket_directories=${dir}`,
      "-c",
      "fsync=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
    ],
    { env: { PATH: process.env.PATH, LANG: "C" } },
  );
  const started = track("postgres", child);
  const stop = async () => {
    if (started.running()) {
      child.kill("SIGINT"); // fast shutdown
      await Promise.race([started.exited, sleep(10_000)]);
      if (started.running()) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForTcp(host.ip, 5432, 20_000, () =>
      started.running() ? undefined : `postgres exited:\n${started.output()}`,
    );
    // Accepting TCP is not accepting queries yet ("the database system is starting up").
    for (let i = 0; ; i++) {
      const ready = run(path.join(bin, "pg_isready"), ["-h", host.ip, "-p", "5432", "-U", "postgres"]);
      if (ready.ok) break;
      if (i > 400) throw new Error(`postgres not ready: ${ready.out}\n${started.output()}`);
      await sleep(25);
    }
    const startMs = Date.now() - t;
    must(path.join(bin, "createdb"), ["-h", host.ip, "-p", "5432", "-U", "postgres", database]);
    return {
      ...started,
      host,
      url: `postgresql://postgres@${host.ip}:5432/${database}`,
      timings: { initdbMs, startMs },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
