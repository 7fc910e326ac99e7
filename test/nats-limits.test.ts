/**
 * max_payload is set, to the value the services' reply bounds assume, everywhere NATS is
 * configured: the deployment's files (docker compose, `npm start`, the cluster nodes) and the
 * tests' own servers. Real nats-servers report what they were given.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { CHAT_LIMITS } from "@sealroom/proto/chat";
import { NATS_MAX_PAYLOAD } from "@sealroom/proto/envelope";
import { connectNats, createLogger } from "@sealroom/runtime";
import { freePort, startNats } from "@sealroom/testkit";
import { LOCAL_NATS_CONF, ROLES } from "./support/cluster.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = createLogger({ service: "nats-limits", level: "silent", pretty: false });
const stops: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

describe("NATS max_payload", () => {
  test("limits.conf sets NATS_MAX_PAYLOAD, and every deployment config includes it", () => {
    const limits = readFileSync(path.join(root, "deploy/nats/limits.conf"), "utf8");
    expect(limits).toMatch(new RegExp(`^max_payload: ${NATS_MAX_PAYLOAD}$`, "m"));
    for (const file of ["nats.conf", "local.conf", "cluster.conf"]) {
      expect(readFileSync(path.join(root, "deploy/nats", file), "utf8"), file).toMatch(/^include \.\/limits\.conf$/m);
    }
    // A reply at the services' bound, with its envelope, fits with room to spare.
    expect(CHAT_LIMITS.replyBytesMax * 1.5).toBeLessThan(NATS_MAX_PAYLOAD);
  });

  test("the tests' nats-server and npm start's (local.conf) report NATS_MAX_PAYLOAD", async () => {
    const testServer = await startNats();
    stops.push(() => testServer.stop());
    const nc = await connectNats({ url: testServer.url, name: "limits", log });
    stops.push(() => nc.close());
    expect(nc.info?.max_payload).toBe(NATS_MAX_PAYLOAD);

    const port = await freePort();
    const env = {
      ...process.env,
      ...Object.fromEntries(ROLES.map((r) => [`NATS_${r.toUpperCase()}_PASSWORD`, `p${r}secret`])),
    };
    const child = spawn(
      process.env.NATS_SERVER_BIN ?? "nats-server",
      ["-c", LOCAL_NATS_CONF, "-a", "127.0.0.1", "-p", String(port)],
      { env, stdio: "ignore" },
    );
    stops.push(() => void child.kill("SIGKILL"));
    let local: Awaited<ReturnType<typeof connectNats>> | undefined;
    for (let i = 0; i < 100 && !local; i++) {
      local = await connectNats({
        url: `nats://127.0.0.1:${port}`,
        name: "limits-local",
        user: "chat",
        password: "pchatsecret",
        log,
      }).catch(async () => {
        await new Promise((r) => setTimeout(r, 50));
        return undefined;
      });
    }
    stops.push(() => local?.close());
    expect(local?.info?.max_payload).toBe(NATS_MAX_PAYLOAD);
  });
});
