/**
 * `node scripts/start.mjs` (what `npm start` runs after the build) as a user sees it: one command
 * starts nats-server, the services and the gateway, prints the URL and the key fingerprint, and
 * stops everything on SIGTERM without leaving a process behind. Needs every service's dist/
 * (`npm test` builds first).
 *
 * The tests that only look at a running system share one launch; the launches run at once (each
 * with its own DATA_DIR, public port and, chosen by its start.mjs, NATS and ops ports): one after
 * the other they took ~110 s, mostly waiting on migrations and services starting and stopping.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Objm } from "@nats-io/obj";
import { connect } from "@nats-io/transport-node";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, it } from "vitest";
import { z } from "zod";
import { freePort } from "@sealroom/testkit";
import { createNodeClient } from "@sealroom/sdk/node";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const script = path.join(root, "scripts/start.mjs");

interface Run {
  proc: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

function watched(proc: ChildProcess): Run {
  let stdout = "";
  let stderr = "";
  proc.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return { proc, output: () => ({ stdout, stderr }), exited };
}

/** start.mjs under the usual umask 022 (the one that made every file readable by every local user). */
function launch(env: NodeJS.ProcessEnv): Run {
  const proc = spawn("/bin/sh", ["-c", 'umask 022 && exec "$0" "$1"', process.execPath, script], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return watched(proc);
}

/** `npm start` itself (its build, then start.mjs); `detached`: in a process group of its own. */
function npmStart(env: NodeJS.ProcessEnv, detached = false): Run {
  return watched(spawn("npm", ["start"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached }));
}

/** The environment of a user on this machine, minus anything that would point start.mjs elsewhere. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "warn", ...extra };
  for (const name of ["NATS_URL", "NATS_TOKEN", "HTTP_PORT", "LOG_PRETTY", "DATABASE_URL"]) {
    delete env[name];
  }
  return env;
}

async function until<T>(what: string, run: Run, check: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void run.exited.then((code) => (exitCode = code));
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    const { stdout, stderr } = run.output();
    if (exitCode !== undefined) throw new Error(`start.mjs exited (${exitCode}) before ${what}:\n${stdout}\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const printedUrl = (run: Run, port: number) =>
  until("the URL", run, () => (run.output().stdout.includes(`:${port}`) ? true : undefined), 120_000);

/** Every process below `pid` (Linux /proc), with its command line. */
function descendants(pid: number): Array<{ pid: number; cmd: string }> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid ...: comm may contain spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== p) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found.map((p) => ({ pid: p, cmd: safeRead(`/proc/${p}/cmdline`).replaceAll("\0", " ").trim() }));
}

const safeRead = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !safeRead(`/proc/${pid}/stat`).includes(") Z ");
  } catch {
    return false;
  }
};

const serverKeySchema = z.object({
  keyId: z.string(),
  fingerprint: z.string(),
  spki: z.string(),
});

/** Registers what to undo once the test (or the shared launch) is over. */
type Defer = (fn: () => void) => void;

/** A temp DATA_DIR, removed afterwards. */
function tempDataDir(defer: Defer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-start-"));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Kills afterwards whatever a failed test left of `run`. */
function track(run: Run, defer: Defer) {
  defer(() => {
    for (const { pid } of descendants(run.proc.pid!)) process.kill(pid, "SIGKILL");
    run.proc.kill("SIGKILL");
  });
}

/** `npm run db:backup` of `dataDir` to `dest`: its exit code and output. */
const backup = (dataDir: string, dest: string) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "scripts/db-backup.mjs"), dest], {
      cwd: root,
      env: userEnv({ DATA_DIR: dataDir }),
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });

const timeout = (ms: number) => new Promise((r) => setTimeout(r, ms, "timeout"));

describe.concurrent("npm start (scripts/start.mjs)", () => {
  // One launch, looked at while it runs and then stopped. The looks change nothing another one
  // checks (the nats-server log is read before db:backup's connections), so they share it; its
  // tests run in order, the stop last, while the other launches run beside them.
  describe("one launch, in a DATA_DIR an earlier version left world-readable", () => {
    const undo: Array<() => void> = [];
    const defer: Defer = (fn) => undo.push(fn);
    afterAll(() => {
      for (const fn of undo.splice(0).reverse()) fn();
    });
    let dataDir = "";
    let port = 0;
    let url = "";
    let run: Run;
    let printed = "";

    beforeAll(async () => {
      dataDir = path.join(tempDataDir(defer), "data");
      mkdirSync(dataDir, { mode: 0o755 });
      chmodSync(dataDir, 0o755);
      port = await freePort();
      // The registration below hashes with the production argon2 parameters. At auth's default nice
      // 10, beside the suite's other processes at nice 0, that hash gets a sliver of a core: 3.9 s
      // instead of 0.7 s beside six busy loops, past the gateway's 5-s command timeout in one CI
      // run. The priority is the product's choice for a machine of its own (thread-priority.test.ts
      // covers it); this launch hashes at nice 0.
      run = launch(userEnv({ DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", HASH_THREAD_NICE: "0" }));
      track(run, defer);
      url = `http://127.0.0.1:${port}`;
      printed = await until(
        "URL and fingerprint",
        run,
        () => {
          const { stdout } = run.output();
          const fp = /fingerprint: ([0-9a-f]{2,4}(?::[0-9a-f]{2,4})+)/i.exec(stdout)?.[1];
          return stdout.includes(url) && fp ? fp : undefined;
        },
        120_000,
      );
    }, 150_000);

    it.sequential(
      "keeps other local users out of DATA_DIR: the directory 0700, the database, WAL, SHM, key and log 0600",
      ({ expect }) => {
        const mode = (file: string) => (statSync(path.join(dataDir, file)).mode & 0o777).toString(8);
        expect(mode(".")).toBe("700");
        const files = ["sealroom.db", "sealroom.db-wal", "sealroom.db-shm", "gateway-key.pem", "nats-server.log"];
        // nats-backup.json: the chat role's NATS password for db:backup's blobs, gone once stopped.
        for (const file of [...files, "nats-backup.json"]) expect(mode(file), file).toBe("600");
        expect(mode("nats")).toBe("700");
      },
    );

    it.sequential("starts everything and prints the URL and the key fingerprint", async ({ expect }) => {
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const key = serverKeySchema.parse(await (await fetch(`${url}/server-key`)).json());
      expect(key.keyId).toMatch(/^[0-9a-f]{64}$/);
      expect(printed).toBe(key.fingerprint);

      // One nats-server and one process per service, all below start.mjs.
      const procs = descendants(run.proc.pid!);
      const cmds = procs.map((p) => p.cmd).join("\n");
      expect(cmds).toMatch(/nats-server .*-js/);
      for (const svc of ["auth", "chat", "social", "gateway"]) expect(cmds).toContain(`services/${svc}/dist/main.js`);
      // The broker is private: loopback only, and its token never sits on a command line.
      expect(cmds).toMatch(/nats-server .*-a 127\.0\.0\.1/);
      expect(cmds).not.toMatch(/--auth|--user|--pass/);

      // Each process connects to NATS as its own role (deploy/nats/auth.conf), knowing only its password.
      for (const svc of ["auth", "chat", "social", "gateway"]) {
        const proc = procs.find((p) => p.cmd.includes(`services/${svc}/dist/main.js`))!;
        const environ = safeRead(`/proc/${proc.pid}/environ`).split("\0");
        expect(environ).toContain(`NATS_USER=${svc}`);
        expect(environ.some((v) => v.startsWith("NATS_PASSWORD="))).toBe(true);
        expect(environ.filter((v) => /^NATS_[A-Z]+_PASSWORD=|^NATS_TOKEN=/.test(v))).toEqual([]);
      }
      // A command crosses gateway -> auth -> gateway within those permissions.
      const client = createNodeClient({
        urls: `ws://127.0.0.1:${port}/ws`,
        knownHostsFile: path.join(dataDir, "known_hosts"),
      });
      await client.connect();
      await client.register(`start_${process.pid}`, "correct horse battery staple");
      client.close();
      expect(safeRead(path.join(dataDir, "nats-server.log"))).not.toMatch(
        /Permissions Violation|Authorization Violation/,
      );

      // Every process's /metrics is printed and answers; auth counted the registration.
      const metricsUrls = [
        ...(/Metrics: (.*)/.exec(run.output().stdout)?.[1] ?? "").matchAll(/(http:\/\/\S+\/metrics) \((\w+)\)/g),
      ];
      expect(metricsUrls.map((m) => m[2]).sort()).toEqual(["auth", "chat", "gateway", "social"]);
      // ...each on a loopback ops port; the public port does not serve them.
      for (const [, metricsUrl] of metricsUrls) expect(metricsUrl!.startsWith(`${url}/`)).toBe(false);
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      for (const [, metricsUrl, name] of metricsUrls) {
        const text = await (await fetch(metricsUrl!)).text();
        expect(text, name).toContain(`sealroom_nats_connected{service="${name}"} 1`);
      }
      const authMetrics = await (await fetch(metricsUrls.find((m) => m[2] === "auth")![1]!)).text();
      expect(authMetrics).toMatch(
        /sealroom_requests_total\{subject="cmd\.auth\.register",outcome="ok",service="auth"\} 1/,
      );

      // DATA_DIR holds the database, the gateway key and the JetStream store.
      expect(existsSync(path.join(dataDir, "sealroom.db"))).toBe(true);
      expect(existsSync(path.join(dataDir, "gateway-key.pem"))).toBe(true);
      expect(existsSync(path.join(dataDir, "nats"))).toBe(true);
    });

    it.sequential("npm run db:backup reaches the running npm start's NATS for the attachments", async ({ expect }) => {
      // An attachment as the chat service stores it: a chunk in the bucket, a committed Blob row.
      const {
        url: natsUrl,
        user,
        password,
      } = z
        .object({ url: z.string(), user: z.literal("chat"), password: z.string() })
        .parse(JSON.parse(readFileSync(path.join(dataDir, "nats-backup.json"), "utf8")));
      const nc = await connect({ servers: natsUrl, user, pass: password, inboxPrefix: "_INBOX.chat" });
      const chunk = new Uint8Array(randomBytes(16));
      const id = randomBytes(16).toString("base64url");
      try {
        const bucket = await new Objm(nc).create("sealroom-blobs", { storage: "file", replicas: 1 });
        await bucket.putBlob({ name: `${id}.0` }, chunk);
      } finally {
        await nc.close();
      }
      const db = new Database(path.join(dataDir, "sealroom.db"));
      db.pragma("busy_timeout = 5000");
      db.prepare(
        `INSERT INTO "Blob" ("id", "uploaderId", "conversationId", "size", "chunks", "createdMs", "committedMs") VALUES (?, 1, 'dm:1:2', 16, 1, 1, 1)`,
      ).run(id);
      db.close();

      const dest = path.join(tempDataDir(defer), "b.db");
      const ok = await backup(dataDir, dest);
      expect(ok.code, ok.out).toBe(0);
      expect(ok.out).toMatch(/1 of 1 blobs/);
      expect(ok.out).not.toContain(password);
      expect(readFileSync(path.join(`${dest}.blobs`, id)).equals(Buffer.from(chunk))).toBe(true);
    });

    it.sequential(
      "stops cleanly on SIGTERM, without leaving a process or db:backup's NATS password behind; db:backup then says it has stopped",
      async ({ expect }) => {
        const procs = descendants(run.proc.pid!);
        expect(procs.length).toBeGreaterThan(0);
        run.proc.kill("SIGTERM");
        const code = await Promise.race([run.exited, timeout(30_000)]);
        expect(code, run.output().stderr).toBe(0);
        expect(procs.filter((p) => alive(p.pid))).toEqual([]);
        expect(existsSync(path.join(dataDir, "nats-backup.json"))).toBe(false);

        const stopped = await backup(dataDir, path.join(tempDataDir(defer), "c.db"));
        expect(stopped.code).toBe(1);
        expect(stopped.out).toMatch(/npm start is not running.*--no-blobs/);
      },
    );
  });

  it("a TERM to `npm start` (what a process manager signals) stops start.mjs and every service, in order", async ({
    expect,
    onTestFinished,
  }) => {
    const dataDir = tempDataDir(onTestFinished);
    const port = await freePort();
    // npm runs the script through a shell; that shell did not pass the TERM on.
    const run = npmStart(userEnv({ DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1" }));
    track(run, onTestFinished);
    await printedUrl(run, port);
    const procs = descendants(run.proc.pid!);
    expect(procs.map((p) => p.cmd).join("\n")).toContain("scripts/start.mjs");

    run.proc.kill("SIGTERM");
    const code = await Promise.race([run.exited, timeout(30_000)]);
    const { stderr } = run.output();
    expect(code, stderr).not.toBe("timeout");
    // start.mjs stopped them in order (gateway first) and said so.
    expect(stderr).toMatch(/SIGTERM: stopping[\s\S]*start: stopped/);
    await expect.poll(() => procs.filter((p) => alive(p.pid)), { timeout: 200, interval: 20 }).toEqual([]);
  }, 180_000);

  it("Ctrl-C on the terminal running `npm start` (SIGINT to its process group) stops everything in order, not by SIGKILL", async ({
    expect,
    onTestFinished,
  }) => {
    const dataDir = tempDataDir(onTestFinished);
    const port = await freePort();
    // Its own process group, like a terminal's foreground job: the terminal signals every member,
    // so start.mjs gets the SIGINT directly and once more from npm.
    const run = npmStart(userEnv({ DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1" }), true);
    track(run, onTestFinished);
    await printedUrl(run, port);
    const procs = descendants(run.proc.pid!);

    process.kill(-run.proc.pid!, "SIGINT");
    const code = await Promise.race([run.exited, timeout(30_000)]);
    const { stderr } = run.output();
    expect(code, stderr).not.toBe("timeout");
    expect(stderr).toMatch(/SIGINT: stopping[\s\S]*start: stopped/);
    expect(stderr).not.toMatch(/killing everything/);
    await expect.poll(() => procs.filter((p) => alive(p.pid)), { timeout: 200, interval: 20 }).toEqual([]);
  }, 180_000);

  it("stops everything and exits 1 when a process fails to start (the gateway's port is taken)", async ({
    expect,
    onTestFinished,
  }) => {
    const dataDir = tempDataDir(onTestFinished);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => void blocker.close());
    const port = (blocker.address() as net.AddressInfo).port;
    const run = launch(userEnv({ DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1" }));
    track(run, onTestFinished);

    const procs: Array<{ pid: number; cmd: string }> = [];
    const poll = setInterval(() => {
      for (const p of descendants(run.proc.pid!)) if (!procs.some((q) => q.pid === p.pid)) procs.push(p);
    }, 50);
    onTestFinished(() => clearInterval(poll));
    const code = await Promise.race([run.exited, timeout(120_000)]);
    clearInterval(poll);

    expect(code).toBe(1);
    expect(run.output().stderr).toMatch(/gateway exited with code [1-9]/);
    expect(procs.length).toBeGreaterThan(0);
    expect(procs.filter((p) => alive(p.pid))).toEqual([]);
  }, 150_000);

  it("without nats-server on PATH (and no NATS_URL) exits 1 with one line saying how to install it", async ({
    expect,
    onTestFinished,
  }) => {
    const dataDir = path.join(tempDataDir(onTestFinished), "data");
    const emptyBin = tempDataDir(onTestFinished);
    const run = launch({ PATH: emptyBin, DATA_DIR: dataDir, HOME: os.homedir() });
    const code = await run.exited;
    const { stdout, stderr } = run.output();

    expect(code).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("apt-get install nats-server");
    expect(lines[0]).toContain("docker compose up");
    // Nothing was started or created.
    expect(existsSync(dataDir)).toBe(false);
  });
});
