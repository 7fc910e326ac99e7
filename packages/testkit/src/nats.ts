import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * A TCP port free on 127.0.0.1 now, for a process the test starts next. Taken below the kernel's
 * ephemeral range when there is room: a port from that range (what listen(0) hands out) can be
 * taken by any outgoing connection (a service's pool to PostgreSQL, a client to NATS) between this
 * check and the process binding it, which made a gateway fail to start with EADDRINUSE in a CI run.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  if (low > LOWEST + 1000) {
    for (let tries = 0; tries < 50; tries++) {
      const port = LOWEST + Math.floor(Math.random() * (low - LOWEST));
      if (await listens(port)) return port;
    }
  }
  return listens(0);
}

/** Ports below this are often fixed services' (databases, brokers): not chosen. */
const LOWEST = 10_000;

/** The first port of Linux's ephemeral range; elsewhere (or unreadable) 0: listen(0) it is. */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    return Number(low) || 0;
  } catch {
    return 0;
  }
}

/** Binds `port` (0: any) on 127.0.0.1 and lets it go: the port bound, or 0 (false) if it is in use. */
function listens(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", (err: NodeJS.ErrnoException) =>
      port !== 0 && (err.code === "EADDRINUSE" || err.code === "EACCES") ? resolve(0) : reject(err),
    );
    srv.listen(port, "127.0.0.1", () => {
      const bound = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(bound));
    });
  });
}

export interface NatsServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** The JetStream store directory (tests that look at what the server keeps on disk). */
  storeDir: string;
  /** SIGKILL and start again on the same port and store (fault tests). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nats-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * max_payload of the test servers: that of every deployment (deploy/nats/limits.conf, proto's
 * NATS_MAX_PAYLOAD), so a reply too large in production is too large in the tests too.
 */
export const TEST_NATS_MAX_PAYLOAD = 1024 * 1024;

/**
 * Starts a private nats-server (from PATH, or NATS_SERVER_BIN) with JetStream on a free port and a
 * temp store dir. Never uses a server that may already run on 4222.
 */
export async function startNats(opts: { token?: string; maxPayload?: number } = {}): Promise<NatsServer> {
  const bin = process.env.NATS_SERVER_BIN ?? "nats-server";
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-nats-"));
  const port = await freePort();
  // max_payload has no command-line flag: a config file of one line.
  const config = path.join(dir, "limits.conf");
  writeFileSync(config, `max_payload: ${opts.maxPayload ?? TEST_NATS_MAX_PAYLOAD}\n`);
  const args = ["-c", config, "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir];
  if (opts.token) args.push("--auth", opts.token);
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(bin, args, { stdio: "ignore" });
    const failed = new Promise<never>((_, reject) =>
      child.once("error", (err) => reject(new Error(`cannot start nats-server (${bin}): ${err.message}`))),
    );
    await Promise.race([waitForPort(port, 5000), failed]);
  };
  await launch();
  const kill = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir: dir,
    get process() {
      return child;
    },
    async restart() {
      await kill("SIGKILL");
      await launch();
    },
    async stop() {
      await kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
