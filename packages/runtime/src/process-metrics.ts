import { statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { Gauge, type Registry } from "prom-client";

/**
 * prom-client's default metrics that walk every handle or file descriptor of the process on each
 * scrape, synchronously. A gateway holds a socket per connection: at 10,000 sockets a scrape held
 * its event loop for ~14 ms between them (`process_open_fds` reads /proc/self/fd with readdirSync,
 * ~7.5 ms; the four handle and resource gauges build arrays of every handle, ~7 ms), growing with
 * every connection (BENCHMARKS.md, "/metrics without a walk over every socket").
 * The handle and resource gauges are dropped: a gateway's sockets are
 * `sealroom_gateway_connections`. `process_open_fds` is kept, counted without the walk.
 */
const PER_HANDLE_DEFAULTS = [
  "process_open_fds",
  "nodejs_active_handles",
  "nodejs_active_handles_total",
  "nodejs_active_resources",
  "nodejs_active_resources_total",
];

const FD_DIR = "/proc/self/fd";

/**
 * The number of open file descriptors. Linux 6.2 and later report it as the size of /proc/self/fd
 * (one stat, ~15 us whatever the count); older kernels report 0, and the directory is read on
 * libuv's thread pool instead, which leaves the event loop ~1-2 ms of work at 10,000 descriptors
 * rather than readdirSync's ~8-16 ms.
 */
export async function openFileDescriptors(): Promise<number | undefined> {
  try {
    const size = statSync(FD_DIR).size;
    if (size > 0) return size;
    // The directory's own descriptor, open while it is read, is not one of the process's.
    return (await readdir(FD_DIR)).length - 1;
  } catch {
    return undefined;
  }
}

/** Replaces the per-handle defaults of `registry` (collectDefaultMetrics already ran on it). */
export function replacePerHandleDefaults(registry: Registry): void {
  for (const name of PER_HANDLE_DEFAULTS) registry.removeSingleMetric(name);
  if (process.platform !== "linux") return;
  new Gauge({
    name: "process_open_fds",
    help: "Number of open file descriptors.",
    registers: [registry],
    async collect() {
      const count = await openFileDescriptors();
      if (count !== undefined) this.set(count);
    },
  });
}
