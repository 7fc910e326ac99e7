// The private nats-server of `npm start`: loopback only, JetStream on, a fresh random token.
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { startChild } from "./procs.mjs";

/** `name` if it is a path to an executable, else the first executable `name` on PATH. */
export function findExecutable(name) {
  const candidates = name.includes("/")
    ? [name]
    : (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const canConnect = (port) =>
  new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

/**
 * Starts nats-server on 127.0.0.1 with its store in `dataDir/nats` and its log in
 * `dataDir/nats-server.log`. The token goes through a 0600 config file that is removed once the
 * server runs, not through `--auth`: a command line is readable by every local user.
 */
export async function startLocalNats({ bin, dataDir, env }) {
  const storeDir = path.join(dataDir, "nats");
  mkdirSync(storeDir, { recursive: true });
  const token = randomBytes(32).toString("hex");
  const conf = path.join(dataDir, "nats-auth.conf");
  writeFileSync(conf, `authorization { token: "${token}" }\n`, { mode: 0o600 });
  const port = await freePort();
  const logFile = path.join(dataDir, "nats-server.log");
  const args = ["-c", conf, "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir, "-l", logFile];
  const child = startChild("nats-server", bin, args, { env, stdio: "ignore" });
  try {
    const until = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (child.done) throw new Error(`nats-server stopped during startup; see ${logFile}`);
      if (Date.now() > until) throw new Error(`nats-server did not listen on port ${port}; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    child.proc.kill("SIGKILL");
    throw err;
  } finally {
    rmSync(conf, { force: true });
  }
  return { child, url: `nats://127.0.0.1:${port}`, token, logFile };
}
