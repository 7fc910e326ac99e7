/**
 * DM throughput through the whole system (performance.md S2, scaled to what a shared 2-core machine
 * allows): `npm start`'s processes (nats-server, auth, social, chat, gateway, each its own process)
 * on a temp data dir, and this process as the load generator with real SDK clients (handshake,
 * AES-GCM frames, commands). Users in friend pairs send `chat.send` open-loop at a fixed offered
 * rate per step; latency = the partner's receive time - the send's scheduled time (one clock, the
 * schedule travels inside the message), so a slow server cannot slow the generator down.
 *
 *   npm run build && BENCH=e2e-dm npm run bench -w @sealroom/chat
 *   BENCH_USERS=200 BENCH_RATES=1000,2000,3000,4000,5000 BENCH_SECONDS=5 ...
 *
 * Prints, per step: offered and achieved rates, reach (delivered / expected), duplicates,
 * out-of-order deliveries, latency percentiles, errors, and the CPU time of every process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "vitest";
import { createNodeClient, dmConversationId, SocialClient, type SealroomClient } from "@sealroom/sdk/node";
import { freePort } from "@sealroom/testkit";

const USERS = Number(process.env.BENCH_USERS ?? 200);
const RATES = (process.env.BENCH_RATES ?? "1000,2000,3000,4000,5000").split(",").map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const root = new URL("../../..", import.meta.url).pathname;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function healthy(url: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error("the system did not come up");
    await sleep(200);
  }
}

/** CPU seconds (user + system) of a process and its descendants, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The processes started by `npm start`, by name (from their command lines). */
function systemProcesses(parent: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== parent) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const name = /services\/(\w+)\/dist/.exec(cmd)?.[1] ?? (cmd.includes("nats-server") ? "nats-server" : undefined);
      if (name) out.set(name, Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

test("DM throughput end to end", async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "sealroom-bench-"));
  const port = await freePort();
  const system: ChildProcess = spawn(process.execPath, [path.join(root, "scripts/start.mjs")], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      LOG_PRETTY: "false",
      ARGON2_MEMORY_KIB: "1024",
      ARGON2_TIME_COST: "1",
      ARGON2_PARALLELISM: "1",
      THROTTLE_REGISTRATIONS_PER_IP: "1000000",
      RATE_LIMIT_PER_SEC: "100000",
      RATE_LIMIT_BURST: "100000",
      MAX_CONNECTIONS_PER_IP: "100000",
      COMMAND_TIMEOUT_MS: "10000",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let systemLog = "";
  system.stderr!.on("data", (d: Buffer) => (systemLog = (systemLog + d.toString()).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  const clients: SealroomClient[] = [];
  try {
    await healthy(base, 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${systemLog}`);
    });
    const knownHosts = path.join(dataDir, "known_hosts");
    const users: Array<{ client: SealroomClient; id: number }> = [];
    for (let i = 0; i < USERS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, USERS - i) }, async (_, k) => {
          const client = createNodeClient({ urls: `ws://127.0.0.1:${port}/ws`, knownHostsFile: knownHosts, onFirstUse: () => true });
          clients.push(client);
          await client.connect();
          const user = await client.register(`bench${i + k}`, "benchmark password");
          return { client, id: user.id };
        }),
      );
      users.push(...batch);
    }
    const pairs: Array<{ a: (typeof users)[number]; b: (typeof users)[number]; dm: string }> = [];
    for (let i = 0; i + 1 < users.length; i += 2) {
      const a = users[i]!;
      const b = users[i + 1]!;
      const r = await new SocialClient(a.client).requestFriend(b.id);
      if (r.status === "pending") await new SocialClient(b.client).acceptRequest(r.request.id);
      pairs.push({ a, b, dm: dmConversationId(a.id, b.id) });
    }

    // Deliveries: recipient -> what it saw.
    let step = { delivered: 0, duplicates: 0, outOfOrder: 0, latencies: [] as number[] };
    const lastSeq = new Map<string, number>();
    const seen = new Set<string>();
    for (const u of users) {
      u.client.on("event", (type, body) => {
        if (type !== "chat.message.created.v1") return;
        const b = body as { entry: { conversationId: string; seq: number; senderId: number; text: string } };
        if (b.entry.senderId === u.id) return; // the sender's own copy
        const key = `${u.id}:${b.entry.conversationId}:${b.entry.seq}`;
        if (seen.has(key)) return void step.duplicates++;
        seen.add(key);
        const last = lastSeq.get(`${u.id}:${b.entry.conversationId}`) ?? 0;
        if (b.entry.seq < last) step.outOfOrder++;
        lastSeq.set(`${u.id}:${b.entry.conversationId}`, Math.max(last, b.entry.seq));
        step.delivered++;
        step.latencies.push(performance.now() - Number(b.entry.text.split(" ")[0]));
      });
    }

    const results = [];
    let n = 0;
    // Warm up, then one step per offered rate.
    for (const rate of [200, ...RATES]) {
      step = { delivered: 0, duplicates: 0, outOfOrder: 0, latencies: [] };
      const seconds = rate === 200 ? 2 : SECONDS;
      let sent = 0;
      let acked = 0;
      let errors = 0;
      const cpu0 = new Map([...systemProcesses(system.pid!)].map(([name, pid]) => [name, cpuSeconds(pid)]));
      const gen0 = process.cpuUsage();
      const t0 = performance.now();
      const tickMs = 5;
      const inflight: Promise<void>[] = [];
      for (let tick = 0; tick < (seconds * 1000) / tickMs; tick++) {
        const scheduled = t0 + tick * tickMs;
        const wait = scheduled - performance.now();
        if (wait > 0) await sleep(wait);
        const due = Math.round(((tick + 1) * tickMs * rate) / 1000) - sent;
        for (let k = 0; k < due; k++) {
          const pair = pairs[n++ % pairs.length]!;
          const from = n % 2 ? pair.a : pair.b;
          sent++;
          inflight.push(
            from.client
              .call("chat.send", { conversationId: pair.dm, clientMsgId: `b${n}`, text: `${scheduled} payload` })
              .then((r) => {
                if (r.ok) acked++;
                else errors++;
              }),
          );
        }
      }
      const sendSeconds = (performance.now() - t0) / 1000;
      await Promise.all(inflight);
      const deadline = Date.now() + 10_000;
      while (step.delivered < acked && Date.now() < deadline) await sleep(20);
      const elapsed = (performance.now() - t0) / 1000;
      const gen = process.cpuUsage(gen0);
      const cpu: Record<string, number> = { generator: (gen.user + gen.system) / 1e6 };
      for (const [name, pid] of systemProcesses(system.pid!)) cpu[name] = cpuSeconds(pid) - (cpu0.get(name) ?? 0);
      if (rate === 200) continue;
      const sorted = step.latencies.sort((x, y) => x - y);
      results.push({
        offered: rate,
        achieved: Math.round(acked / elapsed),
        sendSeconds: Number(sendSeconds.toFixed(2)),
        reach: `${((100 * step.delivered) / Math.max(1, acked)).toFixed(2)}%`,
        dup: step.duplicates,
        ooo: step.outOfOrder,
        errors,
        p50: Number(percentile(sorted, 50).toFixed(1)),
        p95: Number(percentile(sorted, 95).toFixed(1)),
        p99: Number(percentile(sorted, 99).toFixed(1)),
        max: Number((sorted.at(-1) ?? NaN).toFixed(1)),
        "cpu µs/msg": Object.entries(cpu)
          .map(([k, v]) => `${k} ${Math.round((v * 1e6) / Math.max(1, acked))}`)
          .join(", "),
      });
    }
    console.log(`\nDM throughput end to end: ${USERS} users in ${pairs.length} pairs, ${SECONDS} s per step, ${os.cpus().length} cores, node ${process.version}\n`);
    console.table(results);
  } finally {
    for (const c of clients) c.close();
    system.kill("SIGTERM");
    await new Promise((r) => system.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
