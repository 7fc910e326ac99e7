#!/usr/bin/env node
// node packages/bench/scrape-cost.mjs [connections, default 5000]
// The event-loop time of one /metrics scrape in a process holding that many loopback connections
// (twice as many sockets: both ends are here), as a gateway holds its clients': prom-client's
// default metrics alone (what every service registered before 7 December 2026) and the services'
// registry today (packages/runtime's createMetrics; run `npm run build` first). 20 scrapes each.
import net from "node:net";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const connections = Number(process.argv[2] ?? 5000);
const require = createRequire(new URL("../runtime/package.json", import.meta.url));
const { Registry, collectDefaultMetrics } = require("prom-client");
const { createMetrics } = await import(new URL("../runtime/dist/metrics.js", import.meta.url).href);

const server = net.createServer().listen(0, "127.0.0.1");
await new Promise((resolve) => server.once("listening", resolve));
const sockets = [];
for (let i = 0; i < connections; i++) {
  sockets.push(net.connect(server.address().port, "127.0.0.1"));
  if (i % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 10));
}
await new Promise((resolve) => setTimeout(resolve, 500));

async function perScrape(registry) {
  await registry.metrics();
  const start = performance.eventLoopUtilization();
  for (let i = 0; i < 20; i++) await registry.metrics();
  return (performance.eventLoopUtilization(start).active / 20).toFixed(2);
}

const defaults = new Registry();
collectDefaultMetrics({ register: defaults });
console.log(`${connections} connections (${2 * connections} sockets): event-loop ms per scrape`);
console.log(`  prom-client's default metrics: ${await perScrape(defaults)}`);
console.log(`  createMetrics (the services' registry): ${await perScrape(createMetrics("bench").registry)}`);
for (const s of sockets) s.destroy();
server.close();
process.exit(0);
