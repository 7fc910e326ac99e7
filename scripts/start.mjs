#!/usr/bin/env node
// `npm start` (after the build): runs all of Sealroom on this machine.
//   nats-server (private, unless NATS_URL is given) -> migrations -> auth, chat, social -> gateway,
// prints the URL and the server key fingerprint, and stops everything in reverse order on
// Ctrl-C / SIGTERM. Plain Node, no build step: see docs/RUNNING.md.
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { credentialsFile } from "./lib/blob-backup.mjs";
import { fetchServerKey, publicUrl, waitForHealthy } from "./lib/gateway.mjs";
import { clientEnv, findExecutable, freePorts, NATS_ROLES, passwordVar, startLocalNats } from "./lib/nats.mjs";
import { describeExit, run, startChild, stopChild } from "./lib/procs.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SERVICES = ["auth", "chat", "social"];
const env = process.env;
const dataDir = path.resolve(env.DATA_DIR ?? path.join(root, "data"));
const host = env.HOST ?? "127.0.0.1";
const port = env.PORT ?? "8080";

// Everything this script and its children create (database, WAL/SHM, key, NATS store, logs) is for
// this user only: the usual umask 022 made the messages readable by every local user.
process.umask(0o077);

const say = (line) => console.error(`start: ${line}`);
const fail = (line) => {
  console.error(`start: ${line}`);
  process.exit(1);
};

// 1. Everything we need exists, before anything is started.
let natsBin;
if (!env.NATS_URL) {
  natsBin = findExecutable(env.NATS_SERVER_BIN ?? "nats-server");
  if (!natsBin) {
    const what = env.NATS_SERVER_BIN
      ? `NATS_SERVER_BIN=${env.NATS_SERVER_BIN} is not executable`
      : "nats-server not found";
    const how =
      "install it (apt-get install nats-server), set NATS_URL to a running server, or run `docker compose up`";
    console.error(`${what}: ${how}`);
    process.exit(1);
  }
}
const mains = Object.fromEntries(
  [...SERVICES, "gateway"].map((name) => [name, path.join(root, "services", name, "dist", "main.js")]),
);
for (const file of Object.values(mains)) {
  if (!existsSync(file)) fail(`${path.relative(root, file)} is missing: run \`npm run build\` (npm start does)`);
}
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
// One left world-readable by an earlier version (or made by hand) is closed too.
chmodSync(dataDir, 0o700);

// 2. Migrations, while nothing else runs.
// SQLite in DATA_DIR, unless DATABASE_URL names a PostgreSQL database (postgresql:// or postgres://;
// the migration creates it if it is missing).
const postgres = /^postgres(ql)?:\/\//.test(env.DATABASE_URL ?? "");
const databaseUrl = postgres ? env.DATABASE_URL : `file:${path.join(dataDir, "sealroom.db")}`;
const databaseName = postgres ? databaseUrl.replace(/:[^:@/]*@/, ":***@") : path.join(dataDir, "sealroom.db");
const migrated = await run(process.execPath, [path.join(root, "scripts/migrate.mjs")], {
  cwd: root,
  env: { ...env, DATABASE_URL: databaseUrl },
});
if (migrated.code !== 0) {
  process.stderr.write(migrated.output);
  fail(`migrations failed (${databaseName})`);
}
say(`database ${databaseName} is migrated`);

// 3. Processes, and what happens when one of them ends.
const children = [];
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  const ordered = [["gateway"], SERVICES, ["nats-server"]];
  for (const names of ordered) {
    await Promise.all(children.filter((c) => names.includes(c.name)).map((c) => stopChild(c)));
  }
  rmSync(credentialsFile(dataDir), { force: true });
  say(code === 0 ? "stopped" : "stopped after a failure");
  process.exit(code);
}

function watch(child) {
  children.push(child);
  child.exited.then((how) => {
    if (stopping) return;
    say(`${child.name} ${describeExit(how)}; stopping the rest`);
    void shutdown(1);
  });
  return child;
}

// A Ctrl-C on the terminal reaches this script twice within milliseconds: directly (it is in the
// terminal's foreground process group) and passed on by npm. Only a signal at least a second after
// the first means "stop now".
let firstSignalAt;
const onSignal = (signal) => {
  if (firstSignalAt !== undefined && Date.now() - firstSignalAt < 1000) return;
  if (stopping) {
    say(`${signal} again: killing everything`);
    for (const c of children) if (!c.done) c.proc.kill("SIGKILL");
    process.exit(1);
  }
  firstSignalAt = Date.now();
  say(`${signal}: stopping`);
  void shutdown(0);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, onSignal);
// `npm start` execs this script (package.json), so npm's forwarded TERM arrives here. Should
// whatever started us die without passing a signal on (kill -9 of npm), stop in order all the same.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid && !stopping) {
    say(`the parent process (${parentPid}) is gone: stopping`);
    void shutdown(0);
  }
}, 1000).unref();
// Last resort if this script dies of a bug: never leave children running.
process.on("exit", () => {
  for (const c of children) if (!c.done) c.proc.kill("SIGKILL");
});

const tryOrStop = async (what, fn) => {
  try {
    return await fn();
  } catch (err) {
    say(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
    return undefined;
  }
};

let natsUrl = env.NATS_URL;
// Per-role NATS users (deploy/nats/auth.conf): generated for the private server; for a server of
// yours (NATS_URL), taken from NATS_<ROLE>_PASSWORD when set, else NATS_TOKEN/NATS_USER pass through.
let credentials;
if (natsBin) {
  const nats = await tryOrStop("nats-server", () =>
    startLocalNats({ bin: natsBin, dataDir, env, config: path.join(root, "deploy/nats/local.conf") }),
  );
  if (!nats) process.exit(1);
  watch(nats.child);
  natsUrl = nats.url;
  credentials = nats.credentials;
  say(`nats-server listening on ${nats.url} (a user per role; log: ${nats.logFile})`);
  // For `npm run db:backup` (the attachments in JetStream): the chat role's address and password,
  // 0600 in the 0700 data dir beside the database and the gateway key; deleted on stop.
  writeFileSync(
    credentialsFile(dataDir),
    JSON.stringify({ url: nats.url, user: "chat", password: credentials.chat }) + "\n",
    { mode: 0o600 },
  );
} else if (NATS_ROLES.every((role) => env[passwordVar(role)])) {
  credentials = Object.fromEntries(NATS_ROLES.map((role) => [role, env[passwordVar(role)]]));
}

const childEnv = {
  ...env,
  NATS_URL: natsUrl,
  DATABASE_URL: databaseUrl,
  LOG_PRETTY: env.LOG_PRETTY ?? (process.stdout.isTTY ? "true" : "false"),
};
// Each process gets its own free loopback port for /healthz and /metrics (one HTTP_PORT for all
// would collide); the gateway's public port serves neither /metrics nor anything else for operators.
delete childEnv.HTTP_PORT;
childEnv.HTTP_HOST = "127.0.0.1";
// No process needs another role's password.
for (const role of NATS_ROLES) delete childEnv[passwordVar(role)];
const envOf = (role) => {
  if (!credentials) return childEnv;
  const { NATS_TOKEN: _token, ...rest } = childEnv;
  return { ...rest, ...clientEnv(role, credentials) };
};

const opsPorts = await freePorts(SERVICES.length + 1);
const opsUrls = {};
for (const [i, name] of SERVICES.entries()) {
  opsUrls[name] = `http://127.0.0.1:${opsPorts[i]}`;
  const env = { ...envOf(name), HTTP_PORT: String(opsPorts[i]) };
  watch(startChild(name, process.execPath, [mains[name]], { cwd: root, env }));
}
const gatewayOpsPort = opsPorts[SERVICES.length];
const gatewayOpsUrl = `http://127.0.0.1:${gatewayOpsPort}`;
const gatewayEnv = {
  ...envOf("gateway"),
  HTTP_PORT: String(gatewayOpsPort),
  PORT: port,
  HOST: host,
  GATEWAY_KEY_FILE: path.join(dataDir, "gateway-key.pem"),
  WEB_DIR: path.join(root, "apps/web/dist"),
};
watch(startChild("gateway", process.execPath, [mains.gateway], { cwd: root, env: gatewayEnv }));

// 4. Ready: tell the user where to go and which key to expect.
const url = publicUrl(host, port);
// Ready means every service answers too: a gateway that is up before auth would refuse the first
// sign-in with UNAVAILABLE.
const key = await tryOrStop("startup", async () => {
  for (const base of [...Object.values(opsUrls), gatewayOpsUrl, url]) {
    if (!(await waitForHealthy(base, { aborted: () => stopping }))) return undefined;
  }
  return fetchServerKey(url);
});
if (key && !stopping) {
  console.log(
    [
      "",
      `  Sealroom is running: open ${url}`,
      `  Server key fingerprint: ${key.fingerprint}`,
      "  (clients pin this key on first use; Ctrl-C stops everything)",
      `  Metrics: ${gatewayOpsUrl}/metrics (gateway), ${SERVICES.map((name) => `${opsUrls[name]}/metrics (${name})`).join(", ")}`,
      "",
    ].join("\n"),
  );
}
