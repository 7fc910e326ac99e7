/**
 * Horizontal scale without Docker: one nats-server with the deployment's per-role users and
 * subject permissions, two gateways and two instances of each service, every one a separate OS
 * process (built dist/, as `npm start` and the images run them). Users on different gateways chat
 * and see each other's presence; commands are spread over the instances and each is handled once
 * (each instance's /metrics); a gateway killed with SIGKILL loses its clients to the other, which
 * resync without a lost or doubled message; a gateway stopped with SIGTERM tells its clients, which
 * move at once; service instances stopped mid-load (SIGTERM, and SIGKILL for chat) lose no
 * acknowledged message and fail no command.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createNodeClient, dmConversationId, type SealroomClient } from "@sealroom/sdk/node";
import { GATEWAY_EVENTS } from "@sealroom/proto/wire";
import { openSql } from "@sealroom/db/sql";
import { counter, startCluster, waitFor, type Cluster, type Proc } from "./support/cluster.js";
import { befriend, entriesOf, onlineToEachOther, range, signUp, texts, type Person } from "./support/people.js";

const password = "correct horse battery staple";
let cluster: Cluster;
let gateways: Proc[];
const clients: SealroomClient[] = [];
const knownHosts = mkdtempSync(path.join(os.tmpdir(), "sealroom-scale-known-hosts-"));

beforeAll(async () => {
  cluster = await startCluster();
  await Promise.all((["auth", "auth", "social", "social", "chat", "chat"] as const).map((kind) => cluster.start(kind)));
  gateways = await Promise.all([cluster.start("gateway"), cluster.start("gateway")]);
}, 60_000);

afterAll(async () => {
  if (process.env.SCALE_DUMP) for (const p of cluster?.procs ?? []) console.log(`==== ${p.name}\n${p.output()}`);
  for (const c of clients) c.close();
  await cluster?.stop();
});

const wsUrl = (gw: Proc) => `${gw.httpUrl.replace("http:", "ws:")}/ws`;
const instances = (kind: Proc["kind"]) =>
  cluster.procs.filter((p) => p.kind === kind && p.child.exitCode === null && p.child.signalCode === null);

interface User extends Person {
  events: Array<{ type: string; body: unknown }>;
}

let n = 0;
/** A new user connected to `via` (tried in that order on every reconnect). */
async function user(base: string, via: Proc[]): Promise<User> {
  const client = createNodeClient({
    urls: via.map(wsUrl),
    knownHostsFile: path.join(knownHosts, `kh_${++n}`),
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  clients.push(client);
  const events: User["events"] = [];
  client.on("event", (type, body) => events.push({ type, body }));
  await client.connect();
  return { ...(await signUp(client, `${base}${process.pid % 1000}_${n}`, password)), events };
}

const of = entriesOf;
const seqs = (k: number) => Array.from({ length: k }, (_, i) => i + 1);

/** `sealroom_requests_total` for `subject` answered ok on each live instance of `kind` (AUTH_BUSY is retried). */
const handled = (kind: Proc["kind"], subject: string) =>
  Promise.all(instances(kind).map((p) => counter(p, "sealroom_requests_total", { subject, outcome: "ok" })));

async function storedTexts(conversationId: string): Promise<string[]> {
  const db = openSql(cluster.database.url);
  try {
    const rows = await db.all<{ body: string }>(
      `SELECT m."body" AS "body" FROM "Message" m JOIN "Conversation" c ON c."id" = m."conversationId"
       WHERE c."key" = ? AND m."kind" = 'text' ORDER BY m."seq"`,
      [conversationId],
    );
    return rows.map((r) => r.body);
  } finally {
    await db.close();
  }
}

describe("scale-out: 2 gateways, 2 instances of each service, separate processes", () => {
  test("users on different gateways chat live and see each other's presence", async () => {
    const alice = await user("alice", [gateways[0]!]);
    const bob = await user("bob", [gateways[1]!]);
    await befriend(alice, bob);
    await onlineToEachOther(alice, bob);

    const dm = dmConversationId(alice.user.id, bob.user.id);
    await alice.chat.send(dm, "hello from gateway 0");
    await waitFor("bob's live message", () => of(bob, dm).length === 1, 5000);
    await bob.chat.send(dm, "hello from gateway 1");
    await waitFor("alice's live message", () => of(alice, dm).length === 2, 5000);
    expect(texts(of(alice, dm))).toEqual(["hello from gateway 0", "hello from gateway 1"]);
    expect(texts(of(bob, dm))).toEqual(["hello from gateway 0", "hello from gateway 1"]);

    bob.client.close();
    await waitFor(
      "bob offline for alice",
      () =>
        alice.events.some(
          (e) =>
            e.type === "presence.changed.v1" &&
            (e.body as { userId: number; online: boolean }).userId === bob.user.id &&
            !(e.body as { online: boolean }).online,
        ),
      5000,
    );
  }, 60_000);

  test("commands are spread over the instances of each service and each is handled exactly once", async () => {
    const regBefore = await handled("auth", "cmd.auth.register");
    const registered = await Promise.all(Array.from({ length: 16 }, (_, i) => user(`reg${i}_`, [gateways[i % 2]!])));
    const regDelta = (await handled("auth", "cmd.auth.register")).map((v, i) => v - regBefore[i]!);

    const [a, b] = registered as [User, User];
    await befriend(a, b);
    const dm = dmConversationId(a.user.id, b.user.id);
    const sendBefore = await handled("chat", "cmd.chat.send");
    const overviewBefore = await handled("social", "cmd.social.overview");
    const sent = 60;
    await Promise.all(range(sent, "spread ").map((t) => a.chat.send(dm, t)));
    await Promise.all(Array.from({ length: 30 }, () => b.social.overview()));
    const sendDelta = (await handled("chat", "cmd.chat.send")).map((v, i) => v - sendBefore[i]!);
    const overviewDelta = (await handled("social", "cmd.social.overview")).map((v, i) => v - overviewBefore[i]!);

    for (const [what, delta, total] of [
      ["auth.register", regDelta, 16],
      ["chat.send", sendDelta, sent],
      ["social.overview", overviewDelta, 30],
    ] as const) {
      expect(delta, what).toHaveLength(2);
      // Both instances took a share (all on one: 2^-15 at worst), and together exactly one each.
      expect(Math.min(...delta), `${what} per instance: ${delta.join(", ")}`).toBeGreaterThan(0);
      expect(delta[0]! + delta[1]!, what).toBe(total);
    }
    expect(await storedTexts(dm)).toEqual(range(sent, "spread "));
  });

  test("SIGKILL of a gateway: its clients move to the other and, after resync, miss nothing and see nothing twice", async () => {
    const [g0, g1] = gateways as [Proc, Proc];
    const reader = await user("reader", [g0, g1]);
    const movingSender = await user("mover", [g0, g1]);
    const stayingSender = await user("stayer", [g1]);
    await befriend(movingSender, reader);
    await befriend(stayingSender, reader);
    const dm1 = dmConversationId(movingSender.user.id, reader.user.id);
    const dm2 = dmConversationId(stayingSender.user.id, reader.user.id);

    let acked = 0;
    const fromMover = range(40, "m").map((t) => movingSender.chat.send(dm1, t).then(() => acked++));
    const fromStayer = range(30, "s").map((t) => stayingSender.chat.send(dm2, t));
    await waitFor("the first acks", () => acked >= 10, 10_000);
    await g0.kill("SIGKILL");
    const ackedBeforeKill = acked;
    await Promise.all([...fromMover, ...fromStayer]);
    expect(ackedBeforeKill).toBeLessThan(40);

    await waitFor("the reader's catch-up", () => of(reader, dm1).length >= 40 && of(reader, dm2).length >= 30, 20_000);
    await reader.chat.whenUpToDate();
    expect(of(reader, dm1).map((e) => e.seq)).toEqual(seqs(40));
    expect(texts(of(reader, dm1))).toEqual(range(40, "m"));
    expect(of(reader, dm2).map((e) => e.seq)).toEqual(seqs(30));
    expect(texts(of(reader, dm2))).toEqual(range(30, "s"));
    expect(await storedTexts(dm1)).toEqual(range(40, "m"));
    expect(await storedTexts(dm2)).toEqual(range(30, "s"));
    expect(reader.client.state).toBe("ready");
    // The killed gateway's clients now hold connections on the survivor.
    expect(await counter(g1, "sealroom_gateway_connections")).toBeGreaterThanOrEqual(2);
    gateways = [g1];
  }, 60_000);

  test("SIGTERM of a gateway process: its clients are told, move to another gateway at once, and it exits 0", async () => {
    const [survivor] = gateways as [Proc];
    const leaving = await cluster.start("gateway");
    const u = await user("drained", [leaving, survivor]);
    const resumed = new Promise((resolve) => u.client.on("signedIn", resolve));
    const t0 = Date.now();
    await leaving.kill("SIGTERM");
    expect(await leaving.exited, leaving.output()).toEqual({ code: 0, signal: null });
    expect(await resumed).toMatchObject({ id: u.user.id });
    expect(u.events.map((e) => e.type)).toContain(GATEWAY_EVENTS.draining);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(u.client.state).toBe("ready");
  });

  test("service instances stopped mid-load (SIGTERM; SIGKILL for chat) lose no acknowledged message and fail no command", async () => {
    const [gw] = gateways as [Proc];
    const writer = await user("writer", [gw]);
    const readerOfWrites = await user("readerw", [gw]);
    await befriend(writer, readerOfWrites);
    const dm = dmConversationId(writer.user.id, readerOfWrites.user.id);
    const anonymous = createNodeClient({ urls: wsUrl(gw), knownHostsFile: path.join(knownHosts, "kh_anon") });
    clients.push(anonymous);
    await anonymous.connect();

    // Background load on auth and social, every reply checked.
    const failures: string[] = [];
    let running = true;
    let done = 0;
    const loop = async (fn: () => Promise<unknown>) => {
      while (running) {
        await fn().then(
          () => done++,
          (err: unknown) => failures.push(String(err)),
        );
      }
    };
    const background = [
      loop(() => readerOfWrites.social.overview()),
      loop(async () => {
        await anonymous.login(writer.name, password);
        await anonymous.logout();
      }),
    ];

    const total = 300;
    let acked = 0;
    const sends = range(total, "w").map((t) => writer.chat.send(dm, t).then(() => acked++));

    const [auth0] = instances("auth") as [Proc];
    const [social0] = instances("social") as [Proc];
    const [chat0, chat1] = instances("chat") as [Proc, Proc];

    await waitFor("20 acks", () => acked >= 20, 15_000);
    const doneBeforeStop = done;
    await Promise.all([chat0.kill("SIGTERM"), auth0.kill("SIGTERM"), social0.kill("SIGTERM")]);
    for (const p of [chat0, auth0, social0])
      expect(await p.exited, `${p.name}:\n${p.output()}`).toEqual({ code: 0, signal: null });

    await cluster.start("chat");
    await waitFor("70 acks", () => acked >= 70, 20_000);
    // Usually sends are still in flight here; when the machine is fast they may all be acked, and
    // the checks below still hold (the kill then tests recovery of the reader's deliveries only).
    await chat1.kill("SIGKILL");

    await Promise.all(sends);
    running = false;
    await Promise.all(background);
    expect(failures).toEqual([]);
    expect(done).toBeGreaterThan(doneBeforeStop);

    expect(await storedTexts(dm)).toEqual(range(total, "w"));
    await waitFor("the reader's copy", () => of(readerOfWrites, dm).length >= total, 15_000);
    expect(of(readerOfWrites, dm).map((e) => e.seq)).toEqual(seqs(total));
    expect(texts(of(readerOfWrites, dm))).toEqual(range(total, "w"));
  }, 60_000);
});
