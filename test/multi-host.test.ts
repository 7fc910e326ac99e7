/**
 * Three hosts on one machine (network namespaces joined by a bridge, test/support/netns.ts): a
 * 3-node NATS cluster with deploy/nats/cluster.conf, one node per host, and a private PostgreSQL
 * on host 1, reachable from the other hosts over the bridge. Then Sealroom spread over them, every
 * process started in its host's namespace from the built dist/ (`npm run build` first): a gateway,
 * auth, chat and social on each host, each talking to its own host's NATS node and to the
 * database. Clients (the SDK, in the root namespace, over the bridge) on different hosts' gateways
 * become friends and chat; then host 3 dies (every process in it, its NATS node too): no
 * acknowledged message is lost and its users resume, with their tickets, on the other hosts.
 *
 * The database: PostgreSQL on host 1, every service on every host connecting to it over the
 * bridge. MULTI_HOST_DB=sqlite runs the same scenario on one SQLite file that every namespace
 * opens (the namespaces share the file system, so that is several hosts for NATS and the gateways
 * only, as with SQLite in production).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateDatabase } from "@sealroom/db";
import { generateServerKeyPem } from "@sealroom/proto/session/node";
import { connectNats, createLogger, type NatsConnection } from "@sealroom/runtime";
import { createNodeClient, dmConversationId, type SealroomClient } from "@sealroom/sdk/node";
import { counter, ROLES, SETTINGS, waitFor, type ProcessKind, type Role } from "./support/cluster.js";
import { befriend, entriesOf, onlineToEachOther, range, signUp, texts, type Person } from "./support/people.js";
import {
  createLan,
  track,
  type Host,
  type Started,
  netnsUnavailable,
  startNatsCluster,
  startPrivatePostgres,
  type Lan,
  type NatsClusterNode,
  type PrivatePostgres,
} from "./support/netns.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const unavailable = netnsUnavailable();
if (unavailable) {
  const message = `multi-host.test: ${unavailable}`;
  // CI runs as root with iproute2 (.ci/run): there the test must run, not skip.
  if (process.env.CI) throw new Error(`${message} (CI must run this test)`);
  console.warn(`${message}; skipped (run as root with iproute2 installed)`);
}

const log = createLogger({ service: "multi-host", level: process.env.TEST_LOG_LEVEL ?? "silent", pretty: false });
const passwords = Object.fromEntries(ROLES.map((r) => [r, `p${randomBytes(16).toString("hex")}`])) as Record<
  Role,
  string
>;
let lan: Lan | undefined;
let nats: NatsClusterNode[] = [];
let pg: PrivatePostgres | undefined;
const connections: NatsConnection[] = [];

beforeAll(async () => {
  if (unavailable) return;
  const t0 = Date.now();
  lan = await createLan(3);
  const t1 = Date.now();
  // Both, even when one fails: afterAll stops (and deletes) whatever did start.
  const [cluster, postgres] = await Promise.allSettled([
    startNatsCluster(lan.hosts, passwords),
    startPrivatePostgres(lan.hosts[0]!, lan.subnet),
  ]);
  if (postgres.status === "fulfilled") pg = postgres.value;
  if (cluster.status === "rejected") throw cluster.reason;
  if (postgres.status === "rejected") throw postgres.reason;
  nats = cluster.value.nodes;
  console.info(
    `multi-host: namespaces ${t1 - t0} ms; NATS cluster and PostgreSQL ${Date.now() - t1} ms ` +
      `(initdb ${postgres.value.timings.initdbMs} ms, postgres start ${postgres.value.timings.startMs} ms)`,
  );
}, 60_000);

afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => undefined);
  await pg?.stop();
  await lan?.teardown();
});

async function connectAs(role: Role, node: NatsClusterNode): Promise<NatsConnection> {
  const nc = await connectNats({
    url: node.url,
    name: `${role}@${node.host.name}`,
    user: role,
    password: passwords[role],
    log,
  });
  connections.push(nc);
  return nc;
}

describe.skipIf(unavailable)("three hosts (network namespaces)", () => {
  test("a gateway's request on host 1's NATS node reaches chat's queue group on host 3, and chat's event reaches a gateway on host 2", async () => {
    const [n1, n2, n3] = nats as [NatsClusterNode, NatsClusterNode, NatsClusterNode];
    const chat = await connectAs("chat", n3);
    const sub = chat.subscribe("cmd.chat.>", { queue: "chat" });
    void (async () => {
      for await (const m of sub) m.respond(new TextEncoder().encode(`handled on ${n3.host.name}: ${m.string()}`));
    })();
    await chat.flush();
    const gwOnHost2 = await connectAs("gateway", n2);
    const events = gwOnHost2.subscribe("evt.user.7", { max: 1 });
    await gwOnHost2.flush();

    const gwOnHost1 = await connectAs("gateway", n1);
    // Subscriptions propagate over the routes asynchronously: retry until the interest arrived.
    let reply: string | undefined;
    for (let i = 0; i < 50 && !reply; i++) {
      reply = await gwOnHost1
        .request("cmd.chat.ping", new TextEncoder().encode("hello"), { timeout: 200 })
        .then((m) => m.string())
        .catch(() => undefined);
    }
    expect(reply).toBe("handled on host3: hello");

    chat.publish("evt.user.7", new TextEncoder().encode("delivered"));
    for await (const m of events) expect(m.string()).toBe("delivered");
  });

  test("the permissions of auth.conf hold on every node: a gateway may not publish deliveries", async () => {
    const gw = await connectAs("gateway", nats[2]!);
    const errors: string[] = [];
    void (async () => {
      for await (const s of gw.status()) if (s.type === "error") errors.push(String(s.error));
    })();
    gw.publish("evt.user.1", new TextEncoder().encode("forged"));
    await gw.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(errors.join("\n")).toMatch(/permissions violation/i);
  });

  test("PostgreSQL on host 1 answers queries from host 2 over the bridge", () => {
    const r = lan!.hosts[1]!.exec("psql", [pg!.url, "-tAc", "SELECT 40 + 2"]);
    expect(r.out.trim()).toBe("42");
  });
});

/** Where the data lives: see the comment at the top. */
const engine = process.env.MULTI_HOST_DB === "sqlite" ? "sqlite" : "postgresql";

/** Above the gateways' COMMAND_TIMEOUT_MS (test/support/cluster.ts). */
const CLIENT_TIMEOUT_MS = 10_000;

/** Ports on each host's address (every host has its own, so every host uses the same ones). */
const PORTS: Record<ProcessKind, number> = { gateway: 8080, auth: 9091, chat: 9092, social: 9093 };
const GATEWAY_OPS_PORT = 9090;

interface Service extends Started {
  kind: ProcessKind;
  host: Host;
  /** /healthz (the gateway: its public port with /ws). */
  httpUrl: string;
  /** /healthz and /metrics */
  opsUrl: string;
}

describe.skipIf(unavailable)(`Sealroom on three hosts (data: ${engine})`, () => {
  const password = "correct horse battery staple";
  const services: Service[] = [];
  const clients: SealroomClient[] = [];
  /** The SQLite file, when the data is not on PostgreSQL. */
  let sqliteFile: string | undefined;
  let databaseUrl = "";
  let dir = "";
  let keyFile = "";
  const gateway = (i: number) => services.find((s) => s.kind === "gateway" && s.host === lan!.hosts[i])!;
  const wsUrl = (i: number) => `${gateway(i).httpUrl.replace("http:", "ws:")}/ws`;

  function startService(host: Host, kind: ProcessKind): Service {
    const node = nats.find((n) => n.host === host)!;
    const port = PORTS[kind];
    const opsPort = kind === "gateway" ? GATEWAY_OPS_PORT : port;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      // This host's NATS node only: when it dies, so does everything on its host.
      NATS_URL: node.url,
      NATS_USER: kind,
      NATS_PASSWORD: passwords[kind],
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
      LOG_PRETTY: "false",
      ...SETTINGS[kind],
      HTTP_HOST: host.ip,
      HTTP_PORT: String(opsPort),
      ...(kind === "gateway"
        ? {
            HOST: host.ip,
            PORT: String(port),
            GATEWAY_ID: `gw-${host.name}`,
            GATEWAY_KEY_FILE: keyFile,
            WEB_DIR: "/nonexistent",
          }
        : { DATABASE_URL: databaseUrl, INSTANCE_ID: `${kind}-${host.name}` }),
    };
    const child = host.spawn(process.execPath, [path.join(root, "services", kind, "dist/main.js")], { env });
    const service: Service = {
      ...track(`${kind}@${host.name}`, child),
      kind,
      host,
      httpUrl: `http://${host.ip}:${port}`,
      opsUrl: `http://${host.ip}:${opsPort}`,
    };
    services.push(service);
    return service;
  }

  async function healthy(s: Service): Promise<void> {
    await waitFor(
      `${s.name} /healthz`,
      async () => {
        if (!s.running()) throw new Error(`${s.name} exited (${s.child.exitCode}):\n${s.output()}`);
        return fetch(`${s.httpUrl}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.status === 200,
          () => false,
        );
      },
      30_000,
    );
  }

  beforeAll(async () => {
    const t0 = Date.now();
    dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-multi-host-"));
    keyFile = path.join(dir, "gateway-key.pem");
    writeFileSync(keyFile, generateServerKeyPem(2048), { mode: 0o600 });
    if (engine === "postgresql") {
      databaseUrl = pg!.url;
    } else {
      sqliteFile = path.join(dir, "sealroom.db");
      databaseUrl = `file:${sqliteFile}`;
    }
    await migrateDatabase(databaseUrl);
    const t1 = Date.now();
    for (const host of lan!.hosts)
      for (const kind of ["auth", "chat", "social", "gateway"] as const) startService(host, kind);
    await Promise.all(services.map(healthy));
    console.info(`multi-host: database ready in ${t1 - t0} ms; 12 processes healthy in ${Date.now() - t1} ms`);
  }, 60_000);

  afterAll(async () => {
    if (process.env.MULTI_HOST_DUMP) for (const s of services) console.log(`==== ${s.name}\n${s.output()}`);
    for (const c of clients) c.close();
    // The namespaces' teardown (top-level afterAll) SIGKILLs whatever is left; stop politely first.
    await Promise.all(
      services.map(async (s) => {
        if (!s.running()) return;
        s.child.kill("SIGTERM");
        await Promise.race([s.exited, new Promise((r) => setTimeout(r, 5000))]);
      }),
    );
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  interface User extends Person {
    /** When the client signed in (register, then every resume). */
    signedIn: number[];
  }

  let n = 0;
  /** A user whose client tries the gateways of `hosts` (indexes), in that order, on every (re)connect. */
  async function user(base: string, hosts: number[]): Promise<User> {
    const client = createNodeClient({
      urls: hosts.map(wsUrl),
      knownHostsFile: path.join(dir, `known_hosts_${++n}`),
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
      // Above the gateways' COMMAND_TIMEOUT_MS (8 s here): a gateway answers every command within
      // that, so a command unanswered for this long on a silent connection means a dead connection.
      requestTimeoutMs: CLIENT_TIMEOUT_MS,
    });
    clients.push(client);
    const signedIn: number[] = [];
    client.on("signedIn", () => signedIn.push(Date.now()));
    await client.connect();
    return { ...(await signUp(client, `${base}${process.pid % 1000}_${n}`, password)), signedIn };
  }

  const of = entriesOf;

  /** The texts of a conversation in the database, in seq order, with their seqs. */
  async function stored(conversationKey: string): Promise<Array<{ seq: number; body: string }>> {
    const sql = `SELECT m."seq", m."body" FROM "Message" m JOIN "Conversation" c ON c."id" = m."conversationId" WHERE c."key" = '${conversationKey}' AND m."kind" = 'text' ORDER BY m."seq"`;
    if (engine === "postgresql") {
      const r = lan!.hosts[0]!.exec("psql", [databaseUrl, "-tA", "-F", "\t", "-c", sql]);
      if (!r.ok) throw new Error(r.out);
      return r.out
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [seq, body] = line.split("\t");
          return { seq: Number(seq), body: body! };
        });
    }
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(sqliteFile!, { readonly: true });
    try {
      return (db.prepare(sql).all() as Array<{ seq: number | bigint; body: string }>).map((r) => ({
        seq: Number(r.seq),
        body: r.body,
      }));
    } finally {
      db.close();
    }
  }

  let alice: User, bob: User, carol: User, dave: User;

  test("clients on different hosts' gateways become friends and chat live", async () => {
    // alice on host 1, dave on host 2, bob and carol on host 3 (next: host 1, resp. host 2).
    [alice, dave, bob, carol] = await Promise.all([
      user("alice", [0, 1, 2]),
      user("dave", [1, 0, 2]),
      user("bob", [2, 0, 1]),
      user("carol", [2, 1, 0]),
    ]);
    await Promise.all([befriend(alice, bob), befriend(dave, carol)]);
    await onlineToEachOther(alice, bob);
    const ab = dmConversationId(alice.user.id, bob.user.id);
    const cd = dmConversationId(carol.user.id, dave.user.id);
    await alice.chat.send(ab, "hello from host 1");
    await waitFor("bob's live message", () => of(bob, ab).length === 1, 5000);
    await bob.chat.send(ab, "hello from host 3");
    await waitFor("alice's live message", () => of(alice, ab).length === 2, 5000);
    await dave.chat.send(cd, "hello from host 2");
    await waitFor("carol's live message", () => of(carol, cd).length === 1, 5000);
    expect(texts(of(alice, ab))).toEqual(["hello from host 1", "hello from host 3"]);
    expect(texts(of(bob, ab))).toEqual(["hello from host 1", "hello from host 3"]);
    expect(texts(of(carol, cd))).toEqual(["hello from host 2"]);
    expect(await counter(gateway(2), "sealroom_gateway_connections")).toBe(2);
    // Four sign-ups (argon2) and the presence wait alone may take 30 s on a loaded machine.
  }, 75_000);

  test("host 3 dies (every process, its NATS node too): no acknowledged message is lost, and its users resume on hosts 1 and 2", async () => {
    const ab = dmConversationId(alice.user.id, bob.user.id);
    const cd = dmConversationId(carol.user.id, dave.user.id);
    const host3 = lan!.hosts[2]!;
    const acked = new Set<string>();
    const send = (u: User, dm: string, text: string) => u.chat.send(dm, text).then(() => acked.add(text));
    const total = 40;
    const sends = [
      ...range(total, "b").map((t) => send(bob, ab, t)),
      ...range(total, "a").map((t) => send(alice, ab, t)),
      ...range(total, "c").map((t) => send(carol, cd, t)),
    ];
    await waitFor("the first acks", () => [...acked].filter((t) => t.startsWith("b")).length >= 10, 15_000);

    const killedAt = Date.now();
    await host3.kill();
    const ackedBeforeKill = [...acked];
    // The kill took every process of the namespace; their parents see them go.
    const onHost3 = [...services.filter((s) => s.host === host3), nats[2]!];
    await Promise.all(onHost3.map((s) => s.exited));
    expect(onHost3.map((s) => s.child.signalCode)).toEqual(onHost3.map(() => "SIGKILL"));

    // bob and carol resume with their tickets, bob on host 1's gateway, carol on host 2's.
    await waitFor(
      "bob and carol signed in again",
      () => bob.signedIn.length >= 2 && carol.signedIn.length >= 2,
      20_000,
    );
    const resumedInMs = Math.max(bob.signedIn[1]!, carol.signedIn[1]!) - killedAt;
    expect(bob.client.user?.id).toBe(bob.user.id);
    expect(carol.client.user?.id).toBe(carol.user.id);

    await Promise.all(sends);
    const allSent = [...range(total, "b"), ...range(total, "a"), ...range(total, "c")];
    expect(allSent.every((t) => acked.has(t))).toBe(true);

    // Every message once, gapless seqs, acknowledged ones (before the kill too) among them.
    const abRows = await stored(ab);
    const cdRows = await stored(cd);
    expect(abRows.map((r) => r.seq)).toEqual(Array.from({ length: abRows.length }, (_, i) => i + 1));
    expect(cdRows.map((r) => r.seq)).toEqual(Array.from({ length: cdRows.length }, (_, i) => i + 1));
    const abTexts = abRows.map((r) => r.body);
    const cdTexts = cdRows.map((r) => r.body);
    expect([...abTexts].sort()).toEqual(
      ["hello from host 1", "hello from host 3", ...range(total, "b"), ...range(total, "a")].sort(),
    );
    expect([...cdTexts].sort()).toEqual(["hello from host 2", ...range(total, "c")].sort());
    for (const t of ackedBeforeKill) expect(t.startsWith("c") ? cdTexts : abTexts).toContain(t);

    // Each client's view, after catching up, is the database's.
    await waitFor(
      "every client caught up",
      () =>
        of(alice, ab).length === abRows.length &&
        of(bob, ab).length === abRows.length &&
        of(carol, cd).length === cdRows.length &&
        of(dave, cd).length === cdRows.length,
      20_000,
    );
    for (const [u, dm, rows] of [
      [alice, ab, abTexts],
      [bob, ab, abTexts],
      [carol, cd, cdTexts],
      [dave, cd, cdTexts],
    ] as const)
      expect(texts(of(u, dm)), u.name).toEqual(rows);

    // The survivors hold host 3's users now.
    expect(await counter(gateway(0), "sealroom_gateway_connections")).toBe(2);
    expect(await counter(gateway(1), "sealroom_gateway_connections")).toBe(2);
    console.info(
      `multi-host: host 3 killed with ${ackedBeforeKill.length} of ${allSent.length} sends acknowledged; ` +
        `its users resumed within ${resumedInMs} ms; all ${allSent.length} stored once`,
    );
  }, 45_000);

  test("host 2 vanishes without closing its connections (link cut, then every process killed): its users give up its gateway within the request timeout", async () => {
    // After host 3's death carol and dave are both on host 2's gateway, alice and bob on host 1's.
    const cd = dmConversationId(carol.user.id, dave.user.id);
    const host2 = lan!.hosts[1]!;
    const acked = new Set<string>();
    // They keep writing: a client notices a silent connection by a command going unanswered.
    // (What happens to these sends afterwards is the todo below, hence no assertion on them.)
    const write = (u: User, prefix: string) =>
      range(20, prefix).map((t) =>
        u.chat.send(cd, t).then(
          () => acked.add(t),
          () => undefined,
        ),
      );
    void Promise.all([...write(carol, "cv"), ...write(dave, "dv")]);
    await waitFor("the first acks", () => acked.size >= 5, 15_000);
    const left = new Map<string, number>();
    for (const u of [carol, dave])
      u.client.on("state", (state) => {
        if (state === "reconnecting" && !left.has(u.name)) left.set(u.name, Date.now());
      });
    // No FIN, no RST: the clients' sockets stay open on a host that no longer answers.
    expect(host2.exec("ip", ["link", "set", "eth0", "down"]).ok).toBe(true);
    const cutAt = Date.now();
    await host2.kill();
    await waitFor("carol and dave gave up host 2's gateway", () => left.size === 2, CLIENT_TIMEOUT_MS * 3);
    const leftInMs = Math.max(...left.values()) - cutAt;
    // A command unanswered for the request timeout on a connection silent for half of it.
    expect(leftInMs).toBeLessThan(CLIENT_TIMEOUT_MS * 2 + 1000);
    console.info(`multi-host: host 2 cut off; its users gave up its gateway after ${leftInMs} ms`);
  }, 60_000);

  // What is left of the silent-host case (docs/DEPLOYMENT.md, "When something fails"): the
  // surviving NATS node keeps host 2's route, and with it host 2's queue-group members, while it
  // keeps writing to it (nats-server 2.9 pings a route only when it is quiet, so TCP's own give-up,
  // minutes, decides): a share of the resumes and sends goes to the dead host and times out, and
  // they did not all complete within 45 s.
  test.todo("host 2 vanishes without closing its connections: its users resume on host 1 and lose nothing, promptly");
});
