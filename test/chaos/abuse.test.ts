/**
 * Abuse from clients (security notes, section 6) against the real processes on loopback, with the
 * gateway's documented default limits: a slow consumer, slowloris on the handshake, a flood from one
 * client, a flood from one user on two gateways, and a handshake flood from one address (password
 * brute force: brute-force.test.ts). Each prints its figures; each also checks that the other users
 * did not notice.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { CLOSE } from "@sealroom/proto/close-codes";
import { ClientHandshake } from "@sealroom/proto/session";
import { nodeBackend } from "@sealroom/proto/session/node";
import { percentile, report } from "./support/figures.js";
import { HANDSHAKE_TIMEOUT_MS, startAbuseSystem } from "./support/abuse.js";
import { sleep, type System } from "./support/system.js";
import { PASSWORD, befriend, newStats, signUp, type User } from "./support/traffic.js";

let system: System;
/** Two friends who chat throughout, to show that other users are unaffected. */
let bystander: { a: User; b: User; dm: string };

beforeAll(async () => {
  system = await startAbuseSystem();
  const a = await signUp(system, "bya", { localAddress: "127.0.0.9" });
  const b = await signUp(system, "byb", { localAddress: "127.0.0.9", urls: [system.wsUrls[1]!] });
  bystander = { a, b, dm: await befriend(a, b) };
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

/** The bystander sends `count` messages, one every `everyMs`; returns each send-to-ack latency. */
async function bystanderTraffic(count: number, everyMs: number, tag: string) {
  const latencies: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = await bystander.a.client.call("chat.send", {
      conversationId: bystander.dm,
      clientMsgId: `${tag}-${i}`,
      text: `${tag} ${i}`,
    });
    latencies.push(performance.now() - t0);
    if (!r.ok) failures.push(r.error.code);
    await sleep(everyMs);
  }
  return { latencies, failures };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test("slow consumer: a client that stops reading is closed with 1013 past the buffer limit; memory bounded, others unaffected", async () => {
  const writer = await signUp(system, "sw");
  const slow = await signUp(system, "ss");
  const dm = await befriend(writer, slow);
  // 200 messages of 4,000 characters: each history page of them is about 1 MB.
  const stats = newStats();
  const text = (i: number) => `${i} ${"x".repeat(3990)}`;
  await Promise.all(
    [writer, slow].map(async (u) => {
      for (let i = 0; i < 100; i++) {
        const id = `big-${u.id}-${i}`;
        for (;;) {
          const r = await u.client.call("chat.send", { conversationId: dm, clientMsgId: id, text: text(i) });
          if (r.ok) break;
          expect(r.error.code).toBe("RATE_LIMITED");
          await sleep(r.error.retryAfterMs ?? 50);
        }
        stats.sent++;
      }
    }),
  );

  // Let the slow client's connection bucket refill (burst 60), so its page requests are served.
  await sleep(3500);
  const gateway = system.gateways[0]!;
  const closesBefore = await system.metric(gateway, "sealroom_gateway_closes_total", {
    code: String(CLOSE.TRY_AGAIN_LATER),
  });
  const rssBefore = gateway.peakMiB();
  const states: string[] = [];
  slow.client.on("state", (s) => states.push(s));
  // Stop reading (TCP backpressure builds up to the gateway), keep asking for ~1 MB pages.
  const socket = system.socketOf(slow.client)!;
  const seenClose = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  socket.pause();
  const pages = Array.from({ length: 40 }, () => slow.client.call("chat.history", { conversationId: dm, limit: 200 }));
  const traffic = bystanderTraffic(30, 50, "slow");
  const t0 = Date.now();
  await until(
    async () =>
      (await system.metric(gateway, "sealroom_gateway_closes_total", { code: String(CLOSE.TRY_AGAIN_LATER) })) >
      closesBefore,
    "the gateway to close the slow consumer",
  );
  const closedAfterMs = Date.now() - t0;
  // Reading again, the client finds its connection gone, reconnects and resumes. It sees 1013 only
  // if it reads up to the close frame before the gateway gives up on the TCP connection (2 s).
  socket.resume();
  const t1 = Date.now();
  const clientSawCode = await seenClose;
  await until(() => states.includes("ready"), "the slow client to come back");
  const backMs = Date.now() - t1;
  const { latencies, failures } = await traffic;
  await Promise.allSettled(pages);
  // After every page the client asked for was answered or abandoned.
  const peak = gateway.peakMiB();
  report({
    scenario: "slow consumer",
    sent: stats.sent,
    acknowledged: stats.sent,
    lost: 0,
    duplicates: 0,
    gaps: 0,
    recoveryMs: [backMs],
    peakMiB: system.peaks(),
    extra: {
      "closed with 1013 after (ms)": closedAfterMs,
      "close code the client saw": clientSawCode,
      "gateway0 peak MiB before / after": `${rssBefore} / ${peak}`,
      "bystander p50 / p95 / max ms": `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 95).toFixed(1)} / ${Math.max(...latencies).toFixed(1)}`,
      "bystander failures": failures.length,
    },
  });
  expect(clientSawCode).toBe(CLOSE.TRY_AGAIN_LATER);
  expect(failures).toEqual([]);
  // Unaffected: the sends are sequential, so a gateway that stalled for the slow reader shows as one
  // send that waits the stall out, and the median as its usual few ms. A gateway waiting on the
  // reader would never have closed it (the wait above fails at 20 s); the tail bound catches a
  // stall of many seconds, not the pages' own CPU: 40 pages of 1 MB read, relayed and encrypted
  // take the same two cores the bystander needs. Max 0.4 s alone, 1.3 s in a full run, 3.3 s in a
  // full run beside two busy loops (load ~12).
  expect(percentile(latencies, 50)).toBeLessThan(100);
  expect(Math.max(...latencies)).toBeLessThan(10_000);
  // Bounded: a few 4 MiB buffers and replies in flight, not 40 pages of 1 MB each held for a reader that never comes.
  expect(peak - rssBefore).toBeLessThan(150);
}, 90_000);

test("slowloris on the handshake: connections that never finish it or never sign in are closed with 4004 by the deadline; real users still sign in", async () => {
  const closes: Array<Promise<{ code: number; afterMs: number }>> = [];
  const t0 = Date.now();
  const open = (stage: "none" | "hello" | "finished") => {
    const ws = new WebSocket(system.wsUrls[1]!, { perMessageDeflate: false, localAddress: "127.0.0.7" });
    ws.on("error", () => undefined);
    const hs = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {} });
    let step = 0;
    let chain = Promise.resolve();
    // Frames one at a time, in order (ServerHello and ServerFinished arrive together).
    ws.on("message", (data: Buffer) => {
      const frame = new Uint8Array(data);
      if (stage === "none") return;
      chain = chain.then(async () => {
        if (step === 0) {
          step++;
          ws.send(await hs.onServerKey(frame));
        } else if (step === 1) {
          step++;
          await hs.onServerHello(frame);
        } else if (step === 2 && stage === "finished") {
          step++;
          ws.send((await hs.onServerFinished(frame)).clientFinished);
        }
      });
    });
    closes.push(new Promise((resolve) => ws.on("close", (code) => resolve({ code, afterMs: Date.now() - t0 }))));
  };
  for (let i = 0; i < 30; i++) open("none");
  for (let i = 0; i < 10; i++) open("hello");
  for (let i = 0; i < 10; i++) open("finished");
  // Meanwhile a real user connects and signs in.
  const real = await signUp(system, "real", { urls: [system.wsUrls[1]!] });
  const results = await Promise.all(closes);
  const codes = [...new Set(results.map((r) => r.code))];
  const latest = Math.max(...results.map((r) => r.afterMs));
  report({
    scenario: "slowloris on the handshake",
    sent: results.length,
    acknowledged: 0,
    lost: 0,
    duplicates: 0,
    gaps: 0,
    recoveryMs: [],
    peakMiB: system.peaks(),
    extra: {
      "stalled connections": results.length,
      "close codes": codes,
      "last closed after ms": latest,
      "deadline ms": HANDSHAKE_TIMEOUT_MS,
      "real user signed in": real.client.state,
    },
  });
  expect(codes).toEqual([CLOSE.HANDSHAKE_TIMEOUT]);
  expect(latest).toBeLessThan(HANDSHAKE_TIMEOUT_MS + 2000);
  expect(real.client.state).toBe("ready");
}, 60_000);

test("flood from one client: it gets its bucket (RATE_LIMITED, then 4008), others' latency unaffected", async () => {
  const flooder = await signUp(system, "fl", { localAddress: "127.0.0.10" });
  const target = await signUp(system, "ft");
  const dm = await befriend(flooder, target);
  const baseline = await bystanderTraffic(20, 20, "base");
  const closes: number[] = [];
  flooder.client.on("state", (s) => closes.push(s === "reconnecting" ? 1 : 0));
  const during = bystanderTraffic(20, 20, "flood");
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: 400 }, (_, i) =>
      flooder.client.call("chat.send", { conversationId: dm, clientMsgId: `flood-${i}`, text: `flood ${i}` }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const { latencies, failures } = await during;
  // The 4008 close follows the last reply.
  await until(() => closes.includes(1), "the flooder to be disconnected", 5000).catch(() => undefined);
  // What the services stored, to compare with what was acknowledged.
  const db = await system.db();
  const stored = await db.message.count({ where: { senderId: flooder.id } });
  const ok = results.filter((r) => r.ok).length;
  const codes: Record<string, number> = {};
  for (const r of results) if (!r.ok) codes[r.error.code] = (codes[r.error.code] ?? 0) + 1;
  report({
    scenario: "flood from one client",
    sent: results.length,
    acknowledged: ok,
    lost: 0,
    duplicates: 0,
    gaps: 0,
    recoveryMs: [],
    peakMiB: system.peaks(),
    extra: {
      "stored (accepted)": stored,
      "refusals by code": codes,
      "flood seconds": Number(seconds.toFixed(2)),
      "dropped with 4008": closes.includes(1),
      "bystander p50/p95 ms before": `${percentile(baseline.latencies, 50).toFixed(1)} / ${percentile(baseline.latencies, 95).toFixed(1)}`,
      "bystander p50/p95 ms during": `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 95).toFixed(1)}`,
    },
  });
  // The bucket: a burst of 60 plus 20/s.
  expect(stored).toBeLessThanOrEqual(60 + Math.ceil(20 * seconds) + 1);
  expect(stored).toBeGreaterThan(0);
  // Every command that ran got its reply before the 4008 close (regression: replies were dropped).
  expect(ok).toBe(stored);
  expect(codes.RATE_LIMITED).toBeGreaterThan(0);
  expect(closes).toContain(1);
  expect(failures).toEqual([]);
  // Unaffected: the typical send is as fast as before the flood. A send or two may wait behind the burst
  // the bucket admitted (60 writes), which on a loaded machine (two test files at a time) took 465 ms once,
  // so the tail's bound is loose; without any limit, the 400 writes would hold those sends for seconds.
  expect(percentile(latencies, 50)).toBeLessThan(Math.max(100, 3 * percentile(baseline.latencies, 50)));
  expect(percentile(latencies, 95)).toBeLessThan(Math.max(1000, 5 * percentile(baseline.latencies, 95)));
}, 60_000);

test("one user flooding from two gateways cannot double their budget: the chat service limits the user", async () => {
  const u = await signUp(system, "two", { urls: [system.wsUrls[0]!] });
  const friend = await signUp(system, "twof");
  const dm = await befriend(u, friend);
  const second = system.client({ urls: [system.wsUrls[1]!] });
  await second.connect();
  await second.login(u.name, PASSWORD);
  // Each connection stays within its own gateway's bucket (burst 60), so only a per-user limit can stop this.
  const t0 = performance.now();
  const results = await Promise.all(
    [u.client, second].flatMap((c, k) =>
      Array.from({ length: 60 }, (_, i) =>
        c.call("chat.send", { conversationId: dm, clientMsgId: `two-${k}-${i}`, text: `two ${k} ${i}` }),
      ),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const ok = results.filter((r) => r.ok).length;
  const refused = results.filter((r) => !r.ok);
  report({
    scenario: "flood from one user on two gateways",
    sent: results.length,
    acknowledged: ok,
    lost: 0,
    duplicates: 0,
    gaps: 0,
    recoveryMs: [],
    peakMiB: system.peaks(),
    extra: {
      refused: refused.length,
      codes: [...new Set(refused.map((r) => (r.ok ? "" : r.error.code)))],
      seconds: Number(seconds.toFixed(2)),
    },
  });
  // One user's budget (burst 60, 20/s), not two connections' (120).
  expect(ok).toBeLessThanOrEqual(60 + Math.ceil(20 * seconds) + 1);
  expect(refused.length).toBeGreaterThan(0);
  for (const r of refused) expect(r).toMatchObject({ ok: false, error: { code: "RATE_LIMITED", retryable: true } });
  expect(refused.every((r) => !r.ok && (r.error.retryAfterMs ?? 0) > 0)).toBe(true);
  second.close();
}, 60_000);

test("handshake flood from one address: refused with 429 at the upgrade beyond its budget; another address still connects", async () => {
  const gateway = system.gateways[1]!;
  const refusedBefore = await system.metric(gateway, "sealroom_gateway_rejected_upgrades_total", {
    reason: "handshake_rate",
  });
  // Connections that open and close at once, 20 at a time, so the per-address connection cap (200)
  // never applies: only a handshake rate limit can stop this loop.
  const statuses: number[] = [];
  const t0 = performance.now();
  const one = () =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(system.wsUrls[1]!, { perMessageDeflate: false, localAddress: "127.0.0.11" });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => {
        resolve(101);
        ws.terminate();
      });
      ws.on("error", () => resolve(-1));
    });
  for (let i = 0; i < 500; i += 20) statuses.push(...(await Promise.all(Array.from({ length: 20 }, one))));
  const seconds = (performance.now() - t0) / 1000;
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  const refused =
    (await system.metric(gateway, "sealroom_gateway_rejected_upgrades_total", { reason: "handshake_rate" })) -
    refusedBefore;
  const other = await signUp(system, "oth", { urls: [system.wsUrls[1]!], localAddress: "127.0.0.12" });
  report({
    scenario: "handshake flood from one address",
    sent: statuses.length,
    acknowledged: counts[101] ?? 0,
    lost: 0,
    duplicates: 0,
    gaps: 0,
    recoveryMs: [],
    peakMiB: system.peaks(),
    extra: {
      "upgrade answers": counts,
      "refused for the handshake rate": refused,
      seconds: Number(seconds.toFixed(2)),
      "other address signed in": other.client.state,
    },
  });
  // Burst 300, then 30/s.
  expect(counts[101]).toBeLessThanOrEqual(300 + Math.ceil(30 * seconds) + 1);
  expect(refused).toBeGreaterThan(0);
  expect(counts[429]).toBe(refused);
  expect(other.client.state).toBe("ready");
}, 60_000);
