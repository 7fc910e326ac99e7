/**
 * Gateway failover (issue #19, BENCHMARKS.md S5): signed-in SDK sessions on one of two gateways,
 * that gateway SIGKILLed. Every session must come back on the other by its tickets: the transport
 * session resumed with a resumption ticket (no RSA operation at the surviving gateway: its
 * sealroom_gateway_rsa_decryptions_total does not move) and the user signed in again by auth.resume
 * (no session lost). Meanwhile senders on the surviving gateway keep writing to a group whose
 * members include sessions on the dead one; those receive every acknowledged message exactly once.
 * Reports the time from the kill to every session signed in again, and the surviving gateway's
 * event-loop p99 sampled meanwhile.
 *
 * `npm test` runs it with 30 sessions; `npm run test:chaos` (CHAOS_SCALE=full) with
 * CHAOS_FAILOVER_SESSIONS sessions (default 2,000, what this 2-core machine holds in one test
 * process beside the system; BENCHMARKS.md S5).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { AppError } from "@sealroom/proto/errors";
import { ChatStore, SocialClient, type Entry } from "@sealroom/sdk/node";
import { percentile, report } from "./support/figures.js";
import { NO_GATEWAY_LIMITS, NO_READ_LIMIT, sleep, startSystem, type System } from "./support/system.js";
import {
  checkLog,
  groupOf,
  newStats,
  sendLoad,
  sendReliably,
  PASSWORD,
  streamCheck,
  type User,
} from "./support/traffic.js";

const FULL = process.env.CHAOS_SCALE === "full";
const SESSIONS = FULL ? Number(process.env.CHAOS_FAILOVER_SESSIONS ?? 2000) : 30;
/** Sessions on the doomed gateway whose group traffic is checked entry by entry. */
const RECEIVERS = Math.min(8, SESSIONS);
const MESSAGES = FULL ? 600 : 120;
/** Generous: under a loaded CI machine a storm of reconnects may take long; this is not a timing assertion. */
const BACK_WITHIN_MS = FULL ? 300_000 : 90_000;
const TIMEOUT = FULL ? 1_200_000 : 240_000;

let system: System;
beforeAll(async () => {
  system = await startSystem({
    gateways: 2,
    env: {
      ...NO_GATEWAY_LIMITS,
      CHAT_SEND_RATE_PER_SEC: "100000",
      CHAT_SEND_BURST: "100000",
      ...NO_READ_LIMIT,
      // A resume storm is many commands at once: only the test's own deadlines apply.
      COMMAND_TIMEOUT_MS: "30000",
    },
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let n = 0;

/** `op` until it succeeds or fails with an error that is not retryable. */
async function retrying<T>(op: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!(err instanceof AppError && err.retryable)) throw err;
      await sleep(err.retryAfterMs ?? 100 + Math.random() * 200);
    }
  }
}

/** A signed-up user on `urls[0]` first; AUTH_BUSY (the hash queue full during a mass sign-up) is retried. */
async function signUpOne(urls: string[], base: string): Promise<User> {
  const name = `${base}${process.pid % 1000}_${++n}`;
  // Long enough for a sign-up queued behind a thousand others on a busy machine.
  const client = system.client({ urls, requestTimeoutMs: 60_000 });
  await client.connect();
  // After a retryable failure (a TIMEOUT whose registration may have committed all the same), the
  // name may already be ours: then sign in with it.
  let retried = false;
  for (;;) {
    try {
      const user = await client.register(name, PASSWORD);
      return { name, id: user.id, client, social: new SocialClient(client) };
    } catch (err) {
      const taken = retried && err instanceof AppError && err.code === "USERNAME_TAKEN";
      if (!taken && !(err instanceof AppError && err.retryable)) throw err;
      if (taken) {
        const user = await retrying(() => client.login(name, PASSWORD));
        return { name, id: user.id, client, social: new SocialClient(client) };
      }
      retried = true;
      await sleep(err.retryAfterMs ?? 100 + Math.random() * 200);
    }
  }
}

/** `count` users signed up, `parallel` at a time, each on `urls[0]` first. */
async function signUpOn(urls: string[], base: string, count: number, parallel: number): Promise<User[]> {
  const users: User[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      users.push(await signUpOne(urls, base));
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return users;
}

test(
  `SIGKILL of the gateway holding ${SESSIONS} signed-in sessions: every one resumes on the other by its tickets, no RSA, no message lost or duplicated`,
  async () => {
    const [gw0Url, gw1Url] = system.wsUrls as [string, string];
    const [gw0, gw1] = system.gateways as [(typeof system.gateways)[0], (typeof system.gateways)[0]];
    const sessions = await signUpOn([gw0Url, gw1Url], "fo", SESSIONS, FULL ? 16 : 10);
    const senders = await signUpOn([gw1Url, gw0Url], "fs", 3, 3);
    const members = sessions.slice(0, RECEIVERS);
    const { conversationId } = await groupOf(senders[0]!, [...senders.slice(1), ...members]);

    const receivers = members.map((user) => {
      const store = new ChatStore(user.client, { gapDelayMs: 50, e2e: false });
      const entries: Entry[] = [];
      store.onEntry((e) => entries.push(e));
      store.start();
      return { user, store, entries };
    });
    const seqsOf = (r: (typeof receivers)[number]) =>
      r.entries.filter((e) => e.conversationId === conversationId).map((e) => e.seq);
    // A store reports only entries after its first snapshot: the first message goes out once they are synced.
    await until(
      () => receivers.every((r) => r.store.getSnapshot().status === "up-to-date"),
      "receivers to sync",
      60_000,
    );
    const stats = newStats();
    await sendReliably(senders[0]!, conversationId, "failover-first", stats);
    await until(() => receivers.every((r) => seqsOf(r).length > 0), "receivers to hold the group", 60_000);

    // Every session is on gateway 0 (the first of its urls) before the kill.
    expect(sessions.every((u) => u.client.state === "ready")).toBe(true);
    expect(await system.metric(gw0, "sealroom_gateway_connections")).toBeGreaterThanOrEqual(SESSIONS);

    let killedAt = 0;
    const back = new Map<number, number>();
    const signedOut = new Map<number, string>();
    for (const u of sessions) {
      u.client.on("signedIn", () => {
        if (killedAt > 0 && !back.has(u.id)) back.set(u.id, Date.now() - killedAt);
      });
      u.client.on("signedOut", (reason) => signedOut.set(u.id, reason));
    }
    const rsaBefore = await system.metric(gw1, "sealroom_gateway_rsa_decryptions_total");
    const acceptedBefore = await system.metric(gw1, "sealroom_gateway_resumptions_total", { outcome: "accepted" });

    const load = sendLoad(
      senders.map((user) => ({ user, conversationId })),
      Math.ceil(MESSAGES / senders.length),
      stats,
      { prefix: "fo", window: 2 },
    );
    while (stats.acks.length < MESSAGES / 3) await sleep(5);

    // The surviving gateway's event loop, sampled while the sessions arrive.
    const loopP99: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const lag = await system.metric(gw1, "nodejs_eventloop_lag_p99_seconds").catch(() => NaN);
        if (Number.isFinite(lag)) loopP99.push(lag * 1000);
        await sleep(250);
      }
    })();
    const gw0Peak = gw0.peakMiB();
    const cpuAtKill = system.cpu();
    killedAt = Date.now();
    await gw0.kill();
    await until(() => back.size + signedOut.size >= SESSIONS, "every session back or signed out", BACK_WITHIN_MS).catch(
      async (err: unknown) => {
        // Where the missing ones are: their client states, and the survivor's view of the storm.
        const states: Record<string, number> = {};
        for (const u of sessions) if (!back.has(u.id)) states[u.client.state] = (states[u.client.state] ?? 0) + 1;
        const text = await (await fetch(gw1.metricsUrl)).text().catch(() => "");
        const lines = text
          .split("\n")
          .filter((l) => /^sealroom_gateway_(closes_total|resumptions_total|connections)/.test(l));
        console.error({ back: back.size, signedOut: signedOut.size, notBack: states, survivor: lines });
        throw err;
      },
    );
    const allBackMs = Date.now() - killedAt;
    // Where the storm's CPU went: every process, the test's clients included, kill to last back.
    const cpuAllBack = system.cpu();
    const stormCpuMs = Object.fromEntries(
      Object.entries(cpuAllBack)
        .filter(([name]) => name in cpuAtKill)
        .map(([name, ms]) => [name, ms - cpuAtKill[name]!]),
    );
    sampling = false;
    await sampler;
    await load;

    const last = Math.max(...stats.acks.map((a) => a.seq));
    await until(() => receivers.every((r) => Math.max(0, ...seqsOf(r)) >= last), "receivers to catch up", 60_000);
    let lost = 0;
    let duplicates = 0;
    let gaps = 0;
    for (const r of receivers) {
      const seqs = seqsOf(r);
      const c = streamCheck(seqs, Math.min(...seqs));
      duplicates += c.duplicates;
      gaps += c.gaps;
      const have = new Set(seqs);
      lost += stats.acks.filter((a) => !have.has(a.seq)).length;
      r.store.stop();
    }
    const check = await checkLog(system.sql(), stats.acks, [conversationId]);
    const rsa = (await system.metric(gw1, "sealroom_gateway_rsa_decryptions_total")) - rsaBefore;
    const accepted =
      (await system.metric(gw1, "sealroom_gateway_resumptions_total", { outcome: "accepted" })) - acceptedBefore;
    const times = [...back.values()];
    report({
      scenario: "gateway failover: every session resumes on the other gateway",
      sent: stats.sent,
      acknowledged: stats.acks.length,
      lost: lost + check.lost,
      duplicates: duplicates + check.duplicates,
      gaps: gaps + check.gaps,
      recoveryMs: [allBackMs],
      peakMiB: { ...system.peaks(), gateway0: gw0Peak },
      extra: {
        sessions: SESSIONS,
        "signed in again": back.size,
        "signed out (session lost), by reason": Object.fromEntries(
          [...new Set(signedOut.values())].map((r) => [r, [...signedOut.values()].filter((x) => x === r).length]),
        ),
        "ms from kill to signed in again: p50 / p99 / max": [50, 99, 100].map((p) => Math.round(percentile(times, p))),
        "ms from kill to every session back": allBackMs,
        "surviving gateway: resumptions accepted": accepted,
        "surviving gateway: RSA decryptions": rsa,
        "CPU ms from the kill to every session back, by process": stormCpuMs,
        "surviving gateway: event-loop p99 ms, worst sample / median sample": [
          Math.round(Math.max(...loopP99)),
          Math.round(percentile(loopP99, 50)),
        ],
        integrity_check: check.integrity,
      },
    });
    expect(signedOut.size).toBe(0);
    expect(back.size).toBe(SESSIONS);
    expect(sessions.every((u) => u.client.state === "ready")).toBe(true);
    // Every session came back by its transport ticket: the surviving gateway did no RSA work.
    expect(rsa).toBe(0);
    expect(accepted).toBeGreaterThanOrEqual(SESSIONS);
    expect(await system.metric(gw1, "sealroom_gateway_connections")).toBeGreaterThanOrEqual(SESSIONS + senders.length);
    expect(stats.failed).toEqual([]);
    expect({ lost, duplicates, gaps }).toEqual({ lost: 0, duplicates: 0, gaps: 0 });
    expect({ lost: check.lost, duplicates: check.duplicates, gaps: check.gaps }).toEqual({
      lost: 0,
      duplicates: 0,
      gaps: 0,
    });
  },
  TIMEOUT,
);
