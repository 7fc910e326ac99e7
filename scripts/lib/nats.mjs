// The private nats-server of `npm start`: loopback only, JetStream on, one user per role with
// the subject permissions of deploy/nats/auth.conf and fresh random passwords for each run.
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { startChild } from "./procs.mjs";

/** `name` if it is a path to an executable, else the first executable `name` on PATH. */
export function findExecutable(name) {
  const candidates = name.includes("/")
    ? [name]
    : (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, name));
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

export async function freePort() {
  const [port] = await freePorts(1);
  return port;
}

/**
 * `n` ports free on 127.0.0.1 now, all different: each is held until all are chosen (one let go
 * before the next was chosen could be chosen again, and two processes would then want it).
 */
export async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", resolve);
      });
    }
    return servers.map((srv) => srv.address().port);
  } finally {
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(() => resolve()))));
  }
}

const canConnect = (port) =>
  new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

/** The NATS users of deploy/nats/auth.conf; each process connects as its role. */
export const NATS_ROLES = ["gateway", "auth", "chat", "social", "ops"];

/** The variable auth.conf reads a role's password from. */
export const passwordVar = (role) => `NATS_${role.toUpperCase()}_PASSWORD`;

/**
 * A fresh random password per role: a letter, then hex. nats-server parses a variable's value as
 * a config value, so one starting with "-" or looking like a number would not be a string.
 */
export const generatePassword = () => `p${randomBytes(24).toString("hex")}`;

export function generateCredentials() {
  return Object.fromEntries(NATS_ROLES.map((role) => [role, generatePassword()]));
}

/** What a process of `role` needs in its environment to connect. */
export const clientEnv = (role, credentials) => ({ NATS_USER: role, NATS_PASSWORD: credentials[role] });

/**
 * Starts nats-server on 127.0.0.1 with `config` (deploy/nats/local.conf: max_payload from
 * limits.conf, users and permissions from auth.conf), its store in
 * `dataDir/nats` and its log in `dataDir/nats-server.log`. The passwords reach nats-server through
 * its environment (auth.conf names the variables), never a command line: a command line is
 * readable by every local user, an environment only by the same user.
 */
export async function startLocalNats({ bin, dataDir, env, config }) {
  const storeDir = path.join(dataDir, "nats");
  mkdirSync(storeDir, { recursive: true });
  const credentials = generateCredentials();
  const serverEnv = { ...env };
  for (const role of NATS_ROLES) serverEnv[passwordVar(role)] = credentials[role];
  const port = await freePort();
  const logFile = path.join(dataDir, "nats-server.log");
  const args = ["-c", config, "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir, "-l", logFile];
  const child = startChild("nats-server", bin, args, { env: serverEnv, stdio: "ignore" });
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
  }
  return { child, url: `nats://127.0.0.1:${port}`, credentials, logFile };
}
