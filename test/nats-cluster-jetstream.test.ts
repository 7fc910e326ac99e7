/**
 * deploy/nats/cluster.conf with JetStream: three real nats-server processes with that file (on
 * loopback ports given on the command line, which override the file's 4222/6222/8222; everything
 * else as a deployment runs it, users and permissions included), the chat service's object store
 * opened with CHAT_BLOB_REPLICAS=3 as the chat user. A chunk is on all three nodes, is read from
 * another node, and stays readable and writable when the bucket's leader is killed.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Objm } from "@nats-io/obj";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, expect, test } from "vitest";
import { freePort } from "@sealroom/testkit";
import { openObjectBlobStore } from "../services/chat/src/blob-store.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROLES = ["gateway", "auth", "chat", "social", "ops"];
const chatPassword = `p${randomBytes(12).toString("hex")}`;
const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Node {
  name: string;
  url: string;
  kill(): Promise<void>;
}

async function startCluster(): Promise<Node[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-jscluster-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const routePassword = `r${randomBytes(12).toString("hex")}`;
  const ports = await Promise.all([0, 1, 2].map(async () => ({ client: await freePort(), route: await freePort() })));
  const httpPorts = await Promise.all([0, 1, 2].map(() => freePort()));
  const route = (i: number) => `nats-route://route:${routePassword}@127.0.0.1:${ports[i]!.route}`;
  return [0, 1, 2].map((i) => {
    const [a, b] = [0, 1, 2].filter((j) => j !== i) as [number, number];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NATS_SERVER_NAME: `nats-${i + 1}`,
      NATS_STORE_DIR: path.join(dir, `nats-${i + 1}`),
      NATS_ROUTE_PASSWORD: routePassword,
      NATS_ROUTE_A: route(a),
      NATS_ROUTE_B: route(b),
    };
    for (const role of ROLES)
      env[`NATS_${role.toUpperCase()}_PASSWORD`] =
        role === "chat" ? chatPassword : `p${randomBytes(12).toString("hex")}`;
    const args = ["-c", path.join(root, "deploy/nats/cluster.conf"), "-a", "127.0.0.1"];
    args.push(
      "-p",
      String(ports[i]!.client),
      "-m",
      String(httpPorts[i]),
      "--cluster",
      `nats://127.0.0.1:${ports[i]!.route}`,
    );
    const child = spawn(process.env.NATS_SERVER_BIN ?? "nats-server", args, { env, stdio: "ignore" });
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const kill = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    };
    cleanup.push(kill);
    return { name: `nats-${i + 1}`, url: `nats://127.0.0.1:${ports[i]!.client}`, kill };
  });
}

async function retry<T>(what: string, fn: () => Promise<T>, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw new Error(`${what}: ${String(err)}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const asChat = async (node: Node): Promise<NatsConnection> => {
  const nc = await retry(
    `connect to ${node.name}`,
    () => connect({ servers: node.url, user: "chat", pass: chatPassword, inboxPrefix: "_INBOX.chat" }),
    10_000,
  );
  cleanup.push(() => nc.close());
  return nc;
};

test("cluster.conf runs JetStream: the blobs' bucket with 3 replicas survives losing its leader", async () => {
  const nodes = await startCluster();
  const nc1 = await asChat(nodes[0]!);
  // The chat service's own store, as it opens it with CHAT_BLOB_REPLICAS=3 (once the cluster has a
  // JetStream leader: retried, as the service's lazy store retries).
  const store = await retry(
    "open the bucket",
    () => openObjectBlobStore(nc1, { bucket: "sealroom-blobs", replicas: 3 }),
    20_000,
  );
  const chunk = new Uint8Array(randomBytes(32 * 1024 + 16));
  await store.putChunk("blob1", 0, chunk);

  const info = await (await new Objm(nc1).open("sealroom-blobs")).status();
  expect(info.replicas).toBe(3);
  const cluster = info.streamInfo.cluster!;
  expect(
    cluster.replicas
      ?.map((r) => r.name)
      .concat(cluster.leader ?? "")
      .sort(),
  ).toEqual(["nats-1", "nats-2", "nats-3"]);

  // Kill the bucket's leader; read and write through another node.
  const leader = nodes.find((n) => n.name === cluster.leader)!;
  const other = nodes.find((n) => n !== leader && n !== nodes[0]) ?? nodes.find((n) => n !== leader)!;
  await leader.kill();
  const ncOther = await asChat(other);
  const read = await retry(
    "read and write after the leader died",
    async () => {
      const s = await openObjectBlobStore(ncOther, { bucket: "sealroom-blobs", replicas: 3 });
      const got = await s.getChunk("blob1", 0);
      if (!got) throw new Error("blob1.0 not found");
      await s.putChunk("blob2", 0, chunk);
      return got;
    },
    // The remaining two elect a new leader first; on a loaded 2-core machine (a CI run at load
    // 6-8) that and the ordered consumer's requests took longer than 30 s once.
    60_000,
  );
  expect(Buffer.from(read).equals(Buffer.from(chunk))).toBe(true);
}, 120_000);
