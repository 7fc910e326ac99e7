/**
 * deploy/caddy/Caddyfile, the single entry point of docker compose, run for real with Debian's
 * caddy in front of a gateway process: WebSocket sessions pass through it, /healthz answers,
 * /metrics stays internal, and the gateway sees the client's address through X-Forwarded-For.
 * Only the upstream name and ports change (compose's `gateway` name and 8080 are not resolvable
 * here). Skipped, saying why, where caddy is not installed (.ci/run installs it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createNodeClient } from "@sealroom/sdk/node";
import { freePort } from "@sealroom/testkit";
import { counter, startCluster, waitFor, type Cluster, type Proc } from "./support/cluster.js";
import { z } from "zod";

/** The field of an access-log line this test reads (parsed, not cast). */
const accessLine = z.object({ ip: z.string() });

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const caddyBin = (() => {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    try {
      accessSync(path.join(dir, "caddy"), constants.X_OK);
      return path.join(dir, "caddy");
    } catch {
      // keep looking
    }
  }
  return undefined;
})();
if (!caddyBin)
  console.warn(
    "lb.test: skipped, caddy is not installed (apt-get install --no-install-recommends caddy; .ci/run installs it)",
  );

/** The committed Caddyfile, pointed at `localhost:<gatewayPort>` and listening on `lbPort`. */
export function localCaddyfile(gatewayPort: number, lbPort: number): string {
  const original = readFileSync(path.join(root, "deploy/caddy/Caddyfile"), "utf8");
  const local = original
    .replace(/^:8080 \{/m, `:${lbPort} {`)
    .replace(/name gateway/, "name localhost")
    .replace(/port 8080/, `port ${gatewayPort}`)
    .replace(/\{\n\tadmin off/, "{\n\tadmin off\n\tdefault_bind 127.0.0.1");
  expect(local).not.toBe(original);
  return local;
}

describe.skipIf(!caddyBin)("the load balancer (deploy/caddy/Caddyfile)", () => {
  let cluster: Cluster;
  let gateway: Proc;
  let caddy: ChildProcess;
  let lbUrl: string;
  let caddyOut = "";
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-lb-"));

  beforeAll(async () => {
    cluster = await startCluster();
    await cluster.start("auth");
    gateway = await cluster.start("gateway", { TRUSTED_PROXIES: "127.0.0.1", LOG_LEVEL: "info" });
    const lbPort = await freePort();
    lbUrl = `http://127.0.0.1:${lbPort}`;
    const file = path.join(dir, "Caddyfile");
    writeFileSync(file, localCaddyfile(Number(new URL(gateway.httpUrl).port), lbPort));
    caddy = spawn(caddyBin!, ["run", "--config", file, "--adapter", "caddyfile"], {
      env: { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    caddy.stdout!.on("data", (d: Buffer) => (caddyOut += d.toString()));
    caddy.stderr!.on("data", (d: Buffer) => (caddyOut += d.toString()));
    await waitFor("caddy", async () => {
      if (caddy.exitCode !== null) throw new Error(`caddy exited:\n${caddyOut}`);
      try {
        return (await fetch(`${lbUrl}/healthz`)).status === 200;
      } catch {
        return false;
      }
    });
  }, 60_000);

  afterAll(async () => {
    if (caddy && caddy.exitCode === null) {
      const gone = new Promise((r) => caddy.once("exit", r));
      caddy.kill("SIGTERM");
      await gone;
    }
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("an encrypted WebSocket session passes through it, with the client's address forwarded", async () => {
    const before = await counter(gateway, "sealroom_gateway_rejected_upgrades_total");
    const client = createNodeClient({
      urls: `${lbUrl.replace("http:", "ws:")}/ws`,
      knownHostsFile: path.join(dir, "known_hosts"),
    });
    try {
      await client.connect();
      const user = await client.register(`lb_${process.pid}`, "correct horse battery staple");
      expect(user.username).toBe(`lb_${process.pid}`);
    } finally {
      client.close();
    }
    expect(await counter(gateway, "sealroom_gateway_rejected_upgrades_total")).toBe(before);
    // The same key through the balancer as on the gateway itself.
    const direct = (await (await fetch(`${gateway.httpUrl}/server-key`)).json()) as { keyId: string };
    const proxied = (await (await fetch(`${lbUrl}/server-key`)).json()) as { keyId: string };
    expect(proxied.keyId).toBe(direct.keyId);
  });

  test("a client cannot choose the address the gateway sees: its own X-Forwarded-For is replaced", async () => {
    const { WebSocket } = await import("ws");
    const ws = new WebSocket(`${lbUrl.replace("http:", "ws:")}/ws`, { headers: { "x-forwarded-for": "203.0.113.9" } });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.close();
    await waitFor("the gateway's log line", () => /"connection opened"/.test(gateway.output()), 5000);
    const opened = gateway
      .output()
      .split("\n")
      .filter((l) => l.includes('"connection opened"'))
      .map((l) => accessLine.parse(JSON.parse(l)).ip);
    expect(opened.length).toBeGreaterThan(0);
    expect(opened).not.toContain("203.0.113.9");
    expect(opened.every((ip) => ip === "127.0.0.1")).toBe(true);
  });

  test("the committed Caddyfile itself validates", async () => {
    const { spawnSync } = await import("node:child_process");
    const out = spawnSync(
      caddyBin!,
      ["validate", "--config", path.join(root, "deploy/caddy/Caddyfile"), "--adapter", "caddyfile"],
      {
        env: { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
        encoding: "utf8",
      },
    );
    expect(out.status, out.stderr).toBe(0);
  });

  test("/healthz passes through; /metrics does not", async () => {
    expect((await fetch(`${lbUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${lbUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${gateway.opsUrl}/metrics`)).status).toBe(200);
  });
});
