/**
 * Transport session resumption through real gateways (docs/PROTOCOL.md section 4.8): a reconnect
 * resumes with the ticket of the previous connection and the gateway does no RSA operation for it
 * (read from its metric, sealroom_gateway_rsa_decryptions_total); a ticket the gateway cannot use
 * is refused and the same connection completes a full handshake; any replica holding the same key
 * file accepts a ticket another one issued.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startNats, type NatsServer } from "@sealroom/testkit";
import { createMetrics, type Metrics } from "@sealroom/runtime";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import type { ServerKey } from "@sealroom/proto/session";
import { createNodeClient, type SealroomClient } from "@sealroom/sdk/node";
import { loadOrCreateServerKey } from "./keyfile.js";
import { RawClient } from "./test/rawclient.js";
import { startGateway, testServerKey, type TestGateway } from "./test/harness.js";
import type { GatewayConfigInput } from "./config.js";

let nats: NatsServer;
const started: TestGateway[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-resume-"));

beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  for (const g of started) await g.stop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Observed {
  gw: TestGateway;
  metrics: Metrics;
}

async function gateway(key: ServerKey = testServerKey(), config: GatewayConfigInput = {}): Promise<Observed> {
  const metrics = createMetrics("gateway");
  const gw = await startGateway(nats.url, config, key, "/nonexistent", metrics);
  started.push(gw);
  return { gw, metrics };
}

async function counter(m: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await m.registry.getSingleMetric(name)?.get();
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return value?.value ?? 0;
}
const rsa = (o: Observed) => counter(o.metrics, "sealroom_gateway_rsa_decryptions_total");
const resumptions = (o: Observed, outcome: string) =>
  counter(o.metrics, "sealroom_gateway_resumptions_total", { outcome });

/** Connects, runs the handshake (resuming with `offer` when given) and checks the channel works. */
async function connect(o: Observed, offer?: RawClient["offer"]): Promise<RawClient> {
  const c = await RawClient.connect(o.gw.wsUrl, { offer });
  await c.command(1, "no.such.command", {});
  expect(await c.receive()).toMatchObject({ t: "reply", id: 1, ok: false, error: { code: "UNKNOWN_COMMAND" } });
  expect(c.offer).toBeDefined(); // the ticket came before the reply
  return c;
}

describe("transport session resumption", () => {
  test("a reconnect resumes without an RSA decryption, and gets a new ticket", async () => {
    const g = await gateway();
    const first = await connect(g);
    expect(first.resumed).toBe(false);
    first.ws.close();
    const before = await rsa(g);
    expect(before).toBeGreaterThanOrEqual(1);

    const second = await connect(g, first.offer);
    expect(second.resumed).toBe(true);
    expect(second.refused).toBe(false);
    expect(await rsa(g)).toBe(before);
    expect(await resumptions(g, "accepted")).toBe(1);
    expect(second.offer!.ticket).not.toEqual(first.offer!.ticket);

    // The new ticket works too; the old one can still be used (not single-use, section 4.8).
    const third = await connect(g, second.offer);
    const fourth = await connect(g, first.offer);
    expect(third.resumed && fourth.resumed).toBe(true);
    expect(await rsa(g)).toBe(before);
    for (const c of [second, third, fourth]) c.ws.close();
  });

  test("another gateway key's ticket is refused and the connection completes a full handshake", async () => {
    const other = await gateway(nodeServerKey(generateServerKeyPem(2048)));
    const g = await gateway();
    const foreign = await connect(other);
    foreign.ws.close();
    const before = await rsa(g);
    const c = await connect(g, foreign.offer);
    expect(c.refused).toBe(true);
    expect(c.resumed).toBe(false);
    expect(await rsa(g)).toBe(before + 1);
    expect(await resumptions(g, "refused")).toBe(1);
    c.ws.close();
  });

  test("an expired ticket is refused and the connection completes a full handshake", async () => {
    const g = await gateway(testServerKey(), { ticketLifetimeMs: 1000, ticketKeyRotationMs: 1000 });
    const first = await connect(g);
    first.ws.close();
    await new Promise((r) => setTimeout(r, 2100));
    const c = await connect(g, first.offer);
    expect(c.refused).toBe(true);
    expect(c.resumed).toBe(false);
    c.ws.close();
  });

  test("a second replica loading the same key file accepts a ticket the first issued", async () => {
    const file = path.join(dir, "gateway-key.pem");
    const a = await gateway(loadOrCreateServerKey(file, 2048).key);
    const b = await gateway(loadOrCreateServerKey(file, 2048).key);
    const first = await connect(a);
    first.ws.close();
    const c = await connect(b, first.offer);
    expect(c.resumed).toBe(true);
    expect(await rsa(b)).toBe(0);
    c.ws.close();
  });
});

describe("the SDK", () => {
  const knownHosts = () => path.join(mkdtempSync(path.join(dir, "kh-")), "known_hosts");

  function stateReached(client: SealroomClient, want: string): Promise<void> {
    return new Promise((resolve) => {
      const off = client.on("state", (s) => {
        if (s === want) {
          off();
          resolve();
        }
      });
    });
  }

  /** A round trip: the ticket is sent before any reply, so it has arrived once this returns. */
  async function roundTrip(client: SealroomClient): Promise<void> {
    expect(await client.call("auth.renewTicket", {})).toMatchObject({
      ok: false,
      error: { code: "NOT_AUTHENTICATED" },
    });
  }

  test("reconnects by resumption, with no RSA operation at the gateway", async () => {
    const g = await gateway();
    const client = createNodeClient({ urls: g.gw.wsUrl, knownHostsFile: knownHosts(), requestTimeoutMs: 3000 });
    await client.connect();
    await roundTrip(client);
    const before = await rsa(g);
    const back = stateReached(client, "connected");
    client.reconnect();
    await back;
    await roundTrip(client);
    expect(await rsa(g)).toBe(before);
    expect(await resumptions(g, "accepted")).toBe(1);
    client.close();
  });

  test("falls back to a full handshake once when a gateway cannot read a ResumeHello", async () => {
    const key = nodeServerKey(generateServerKeyPem(2048));
    const current = await gateway(key);
    // A replica without resumption (as before it existed) fails the handshake on a ResumeHello.
    const { ticketKey: _none, ...withoutTickets } = key;
    const old = await gateway(withoutTickets);
    const client = createNodeClient({
      urls: [current.gw.wsUrl, old.gw.wsUrl, old.gw.wsUrl],
      knownHostsFile: knownHosts(),
      pin: Buffer.from(key.keyId).toString("hex"),
      requestTimeoutMs: 3000,
      reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    });
    await client.connect();
    await roundTrip(client);
    const back = stateReached(client, "connected");
    client.reconnect(); // to `old` with the ticket: 4001, then to `old` again with a full handshake
    await back;
    await roundTrip(client);
    expect(await counter(old.metrics, "sealroom_gateway_closes_total", { code: "4001" })).toBe(1);
    expect(await rsa(old)).toBe(1);
    client.close();
  });
});
