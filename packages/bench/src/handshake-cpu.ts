#!/usr/bin/env node
/**
 * npm run bench:handshake -w @sealroom/bench [-- --reps N] [--size N] [--bits 2048|3072|4096]
 *
 * The gateway's CPU per handshake, full (RSA-OAEP decryption + ECDH) against resumed (ticket +
 * binder + ECDH; docs/PROTOCOL.md section 4.8): the gateway's own handshake code (ServerHandshake on
 * node:crypto, as services/gateway runs it, ticket issuing included), driven by clients in the same
 * process. Only the server side's calls are timed (process.cpuUsage over batches, user + system), so
 * the client's work is not counted. Both kinds alternate in one run, so the ratio holds on a busy,
 * shared machine even when the absolute numbers drift. WebSocket framing is not included (the same
 * for both kinds).
 */
import { parseArgs } from "node:util";
import {
  ClientHandshake,
  ServerHandshake,
  SUITES,
  TicketAuthority,
  ticketBytes,
  type ResumptionOffer,
} from "@sealroom/proto/session";
import { generateServerKeyPem, nodeBackend, nodeServerKey } from "@sealroom/proto/session/node";

const { values } = parseArgs({
  options: { reps: { type: "string" }, size: { type: "string" }, bits: { type: "string" } },
});
const reps = Number(values.reps ?? 7);
const size = Number(values.size ?? 200);
const bits = Number(values.bits ?? 2048);

const serverKey = nodeServerKey(generateServerKeyPem(bits));
const tickets = new TicketAuthority(
  nodeBackend,
  { ticketKey: serverKey.ticketKey! },
  { lifetimeMs: 86_400_000, rotationMs: 86_400_000 },
);

interface Timed {
  cpuUs: number;
  wallUs: number;
}

/** Runs `f` and returns the CPU (user + system) and wall microseconds it used. */
async function timed(f: () => Promise<void>): Promise<Timed> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await f();
  const d = process.cpuUsage(c0);
  return { cpuUs: d.user + d.system, wallUs: (performance.now() - w0) * 1000 };
}

function newClient(offer: ResumptionOffer | undefined): ClientHandshake {
  return new ClientHandshake({
    backend: nodeBackend,
    verifyServerKey: () => {},
    suites: [SUITES.X25519_AES256GCM_SHA256],
    resumption: () => offer,
  });
}

/**
 * `n` handshakes of one kind in three phases, so only the server's phases are timed: the servers
 * answer every hello (timed), the clients finish (not timed), the servers check ClientFinished and
 * issue the next ticket (timed). Per-call timing would be too coarse: the kernel accounts CPU time
 * in ticks, so it is measured over whole batches.
 */
async function batch(n: number, offer: ResumptionOffer | undefined): Promise<Timed> {
  const servers = Array.from({ length: n }, () => new ServerHandshake({ backend: nodeBackend, serverKey, tickets }));
  const clients = Array.from({ length: n }, () => newClient(offer));
  const hellos = await Promise.all(clients.map((c, i) => c.onServerKey(servers[i]!.serverKeyFrame)));
  const flights: { serverHello: Uint8Array; serverFinished: Uint8Array }[] = [];
  const answer = await timed(async () => {
    for (let i = 0; i < n; i++) {
      const flight = await servers[i]!.onHello(hellos[i]!);
      if ("refused" in flight) throw new Error("refused");
      flights.push(flight);
    }
  });
  const finished: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    await clients[i]!.onServerHello(flights[i]!.serverHello);
    finished.push((await clients[i]!.onServerFinished(flights[i]!.serverFinished)).clientFinished);
  }
  const complete = await timed(async () => {
    for (let i = 0; i < n; i++) {
      await servers[i]!.onClientFinished(finished[i]!);
      await servers[i]!.issueTicket();
    }
  });
  if (servers.some((s) => s.resumed !== (offer !== undefined))) throw new Error("unexpected handshake kind");
  return { cpuUs: (answer.cpuUs + complete.cpuUs) / n, wallUs: (answer.wallUs + complete.wallUs) / n };
}

/** A ticket to resume with, from one full handshake. */
async function firstOffer(): Promise<ResumptionOffer> {
  const client = newClient(undefined);
  const server = new ServerHandshake({ backend: nodeBackend, serverKey, tickets });
  const flight = await server.onHello(await client.onServerKey(server.serverKeyFrame));
  if ("refused" in flight) throw new Error("refused");
  await client.onServerHello(flight.serverHello);
  await server.onClientFinished((await client.onServerFinished(flight.serverFinished)).clientFinished);
  const ticket = await server.issueTicket();
  return { ticket: ticketBytes(ticket!), resumption: client.secrets!.resumption, suite: client.suite! };
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

const offer = await firstOffer();
await batch(50, undefined); // warm-up
await batch(50, offer);
const full: Timed[] = [];
const resumed: Timed[] = [];
for (let r = 0; r < reps; r++) {
  full.push(await batch(size, undefined));
  resumed.push(await batch(size, offer));
}
const fmt = (xs: Timed[]) =>
  `CPU ${median(xs.map((x) => x.cpuUs)).toFixed(0)} us, wall ${median(xs.map((x) => x.wallUs)).toFixed(0)} us`;
console.log(
  `gateway CPU per handshake (median of ${reps} batches of ${size}, kinds alternating), RSA-${bits}, X25519, node ${process.version}`,
);
console.log(`  full:    ${fmt(full)}`);
console.log(`  resumed: ${fmt(resumed)}`);
const ratios = full.map((f, i) => f.cpuUs / resumed[i]!.cpuUs);
console.log(
  `  CPU ratio full/resumed: median ${median(ratios).toFixed(1)}x (per batch pair: ${ratios.map((x) => x.toFixed(1)).join(" ")})`,
);
