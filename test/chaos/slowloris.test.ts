/**
 * Slowloris on the HTTP upgrade (security notes, section 6): many connections that send the request
 * headers a byte at a time and never finish them. The gateway promises (SECURITY.md, section 6) to
 * close them by its 10 s header and request deadlines while real users still connect. Takes about
 * 15 s.
 */
import net from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { report } from "./support/figures.js";
import { sleep, startSystem, type System } from "./support/system.js";
import { signUp } from "./support/traffic.js";

const HEADERS_DEADLINE_MS = 10_000;
const SOCKETS = 150;

let system: System;
beforeAll(async () => {
  system = await startSystem({ gateways: 1 });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

test("slowloris on the upgrade: every stalled request is closed by the header deadline; real users still connect", async () => {
  const port = Number(new URL(system.httpUrls[0]!).port);
  const t0 = Date.now();
  const closedAt: number[] = [];
  const sockets: net.Socket[] = [];
  for (let i = 0; i < SOCKETS; i++) {
    const s = net.connect({ port, host: "127.0.0.1", localAddress: "127.0.0.30" });
    s.on("error", () => undefined);
    s.on("close", () => closedAt.push(Date.now() - t0));
    s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`);
    sockets.push(s);
  }
  // A header byte every second from each, never the blank line that ends them.
  const drip = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write("X");
  }, 1000);
  try {
    await sleep(2000);
    const real = await signUp(system, "loris");
    const realState = real.client.state;
    const deadline = Date.now() + 45_000;
    while (closedAt.length < SOCKETS && Date.now() < deadline) await sleep(100);
    const latest = closedAt.length ? Math.max(...closedAt) : NaN;
    report({
      scenario: "slowloris on the upgrade",
      sent: SOCKETS,
      acknowledged: 0,
      lost: 0,
      duplicates: 0,
      gaps: 0,
      recoveryMs: [],
      peakMiB: system.peaks(),
      extra: {
        "closed by the gateway": closedAt.length,
        "first / last closed after ms": `${Math.min(...closedAt)} / ${latest}`,
        "documented deadline ms": HEADERS_DEADLINE_MS,
        "real user during the attack": realState,
      },
    });
    expect(realState).toBe("ready");
    expect(closedAt).toHaveLength(SOCKETS);
    // The deadline plus the server's check interval slack (see SECURITY.md): not Node's 300 s default.
    expect(latest).toBeLessThan(HEADERS_DEADLINE_MS + 5000);
  } finally {
    clearInterval(drip);
    for (const s of sockets) s.destroy();
  }
}, 120_000);
