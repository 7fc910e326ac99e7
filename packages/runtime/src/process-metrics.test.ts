import { readdirSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createMetrics } from "./metrics.js";
import { openFileDescriptors } from "./process-metrics.js";

const fdCount = () => readdirSync("/proc/self/fd").length - 1;

describe.runIf(process.platform === "linux")("process metrics without a walk over every socket", () => {
  const sockets: net.Socket[] = [];
  let server: net.Server;

  beforeAll(async () => {
    server = net.createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as net.AddressInfo;
    for (let i = 0; i < 50; i++) {
      const s = net.connect(port, "127.0.0.1");
      sockets.push(s);
      await new Promise((resolve) => s.once("connect", resolve));
    }
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  test("counts the open file descriptors, sockets included", async () => {
    const before = await openFileDescriptors();
    expect(before).toBe(fdCount());
    const extra = sockets.splice(0, 10);
    for (const s of extra) s.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The client ends are closed; the server's ends close as they see the FIN.
    expect(await openFileDescriptors()).toBeLessThanOrEqual(before! - 10);
    expect(await openFileDescriptors()).toBe(fdCount());
  });

  test("a registry reports process_open_fds and none of the per-handle gauges", async () => {
    const { registry } = createMetrics("test");
    const text = await registry.metrics();
    const fds = Number(/^process_open_fds\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
    expect(Math.abs(fds - fdCount())).toBeLessThanOrEqual(2);
    expect(text).not.toMatch(/^nodejs_active_(handles|resources)/m);
    // The other defaults are still there.
    expect(text).toMatch(/^process_max_fds/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes/m);
  });
});
