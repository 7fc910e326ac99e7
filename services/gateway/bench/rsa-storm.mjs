#!/usr/bin/env node
// @ts-check
/**
 * The gateway's side of a burst of full handshakes, RSA inline against RSA on the pool's threads
 * (src/rsa-pool.ts, GATEWAY_RSA_THREADS; BENCHMARKS.md, "S5: the login storm, auth's priority and
 * the gateway's RSA"). The clients' hellos are made before the clock starts; then a burst of them
 * reaches ServerHandshake.onHello one per event-loop callback, as frames from many sockets do,
 * while a 1 ms timer records how late the event loop runs. Settings alternate round by round.
 *
 *   npm run build -w @sealroom/gateway
 *   node services/gateway/bench/rsa-storm.mjs [--threads 0,1,2] [--burst 500] [--rounds 3] [--bits 2048]
 */
import { createHistogram } from "node:perf_hooks";
import os from "node:os";
import { parseArgs } from "node:util";
import { createLogger } from "@sealroom/runtime";
import { ClientHandshake, ServerHandshake } from "@sealroom/proto/session";
import { generateServerKeyPem, nodeBackend, nodeServerKey } from "@sealroom/proto/session/node";
import { RsaPool, pooledServerKey } from "../dist/rsa-pool.js";

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "0,1,2" },
    burst: { type: "string", default: "500" },
    rounds: { type: "string", default: "3" },
    bits: { type: "string", default: "2048" },
  },
});
const burst = Number(values.burst);
const pem = generateServerKeyPem(Number(values.bits));
const key = nodeServerKey(pem);
const log = createLogger({ service: "rsa-storm", level: "silent", pretty: false });

/** A burst's worth of (server handshake, client hello) pairs, made before anything is timed. */
async function prepare(serverKey) {
  return Promise.all(
    Array.from({ length: burst }, async () => {
      const server = new ServerHandshake({ backend: nodeBackend, serverKey });
      const client = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => undefined });
      return { server, hello: await client.onServerKey(server.serverKeyFrame) };
    }),
  );
}

/** A gap between 1 ms ticks, in µs, as ms beyond the tick's own millisecond. */
const late = (us) => Math.max(0, Math.round((us - 1000) / 10) / 100);

async function run(threads) {
  const pool = threads > 0 ? new RsaPool({ privatePem: pem, threads, inline: key.decrypt, log }) : undefined;
  const serverKey = pool ? pooledServerKey(key, pool) : key;
  // Let the threads load their key before the clock starts.
  if (pool)
    await Promise.all(
      Array.from({ length: threads * 2 }, async () => serverKey.decrypt(new Uint8Array(256)).catch(() => undefined)),
    );
  const pairs = await prepare(serverKey);
  // The gaps between the ticks of a 1 ms timer: how long the event loop kept it waiting.
  const gaps = createHistogram();
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    gaps.record(Math.max(1, Math.round((now - last) * 1000)));
    last = now;
  }, 1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    pairs.map(
      ({ server, hello }) =>
        new Promise((resolve, reject) => setImmediate(() => server.onHello(hello).then(resolve, reject))),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // One more tick, so a gap that ends with the burst is counted.
  await new Promise((r) => setTimeout(r, 5));
  clearInterval(tick);
  const h = { p99: late(gaps.percentile(99)), max: late(gaps.max) };
  await pool?.close();
  return {
    threads,
    perSec: Math.round(burst / seconds),
    p99: h.p99,
    max: h.max,
    cpuUs: Math.round((cpu.user + cpu.system) / burst),
  };
}

console.log(`${burst} full handshakes at once, RSA-${values.bits}; ${os.cpus().length} cores, node ${process.version}`);
for (let r = 1; r <= Number(values.rounds); r++) {
  for (const t of values.threads.split(",").map(Number)) {
    const load = os.loadavg()[0].toFixed(1);
    const x = await run(t);
    console.log(
      `round ${r} rsa threads ${t}: event-loop delay p99 ${x.p99} ms, max ${x.max} ms; ${x.perSec} handshakes/s; process CPU ${x.cpuUs} µs per handshake (all threads); load ${load}`,
    );
  }
}
