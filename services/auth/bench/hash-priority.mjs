#!/usr/bin/env node
// @ts-check
/**
 * What auth's HASH_THREAD_NICE does to a neighbour's event loop (BENCHMARKS.md, "S5: the login
 * storm and auth's priority"). A child process hashes like auth in a login storm (argon2id at the
 * production cost, HASH_CONCURRENCY hashes at once, its helper threads niced as main.ts does);
 * this process plays the gateway: a 1 ms timer doing ~0.1 ms of work, its event-loop delay
 * recorded. The nice values alternate phase by phase, so other tenants' noise hits all of them.
 *
 *   npm run build -w @sealroom/auth
 *   node services/auth/bench/hash-priority.mjs [--nice 0,10,19] [--seconds 8] [--rounds 3] [--parallelism 4]
 */
import { fork } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    nice: { type: "string", default: "0,10,19" },
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    parallelism: { type: "string", default: "4" },
    concurrency: { type: "string", default: "2" },
    child: { type: "boolean", default: false },
  },
});

if (values.child) {
  const argon2 = (await import("argon2")).default;
  const { niceHelperThreads } = await import("../dist/thread-priority.js");
  const options = { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: Number(values.parallelism) };
  // The first hash starts libuv's pool, as auth's dummy hash does before main.ts lowers it.
  await argon2.hash("warm-up", options);
  niceHelperThreads(Number(values.nice));
  let hashes = 0;
  let stop = false;
  process.on("message", () => (stop = true));
  const worker = async () => {
    while (!stop) {
      await argon2.hash("correct horse battery staple", options);
      hashes++;
    }
  };
  process.send?.("ready");
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
  process.send?.({ hashesPerSec: hashes / ((performance.now() - t0) / 1000) });
  process.exit(0);
}

const ms = (ns) => Math.round(ns / 1e4) / 100;

async function phase(nice) {
  const child = fork(
    new URL(import.meta.url).pathname,
    ["--child", "--nice", String(nice), "--parallelism", values.parallelism, "--concurrency", values.concurrency],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  await once(child, "message");
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const tick = setInterval(() => {
    const end = performance.now() + 0.1;
    while (performance.now() < end);
  }, 1);
  const load = os.loadavg()[0].toFixed(1);
  await new Promise((r) => setTimeout(r, Number(values.seconds) * 1000));
  clearInterval(tick);
  h.disable();
  child.send("stop");
  const [result] = await once(child, "message");
  return { nice, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), ...result, load };
}

const nices = values.nice.split(",").map(Number);
console.log(`argon2id m=64 MiB t=3 p=${values.parallelism}, ${values.concurrency} at once; ${os.cpus().length} cores`);
for (let r = 1; r <= Number(values.rounds); r++) {
  for (const nice of nices) {
    const p = await phase(nice);
    console.log(
      `round ${r} nice ${String(p.nice).padStart(2)}: neighbour's event-loop delay p50 ${p.p50} ms, p99 ${p.p99} ms, max ${p.max} ms; ${p.hashesPerSec.toFixed(1)} hashes/s; load ${p.load}`,
    );
  }
}
