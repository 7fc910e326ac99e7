/**
 * What each process of the stack costs: CPU time and RSS from /proc (nats-server is not Node, so
 * /proc is the one source that covers every process alike), and the event-loop delay p99 that
 * each Node process's prom-client registry reports on /metrics.
 */
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds of a process so far (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function loadAverage(): number[] {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
}

export type Pids = Record<string, number>;

/** CPU seconds per process between start() and the returned function's call, the generator included. */
export function cpuMeter(pids: Pids): () => Record<string, number> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const gen0 = process.cpuUsage();
  return () => {
    const out: Record<string, number> = {};
    for (const [name, pid] of Object.entries(pids)) out[name] = cpuSeconds(pid) - (before[name] ?? 0);
    const gen = process.cpuUsage(gen0);
    out.generator = (gen.user + gen.system) / 1e6;
    return out;
  };
}

/**
 * prom-client samples with monitorEventLoopDelay at its default 10 ms resolution, and Node records
 * the whole timer interval, so an idle loop reads ~10 ms: the delay is the excess over it.
 */
const MONITOR_RESOLUTION_MS = 10;

/** prom-client resets its event-loop histogram on every scrape: each value covers the time since the last. */
async function scrapeP99Ms(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    const text = await res.text();
    const m = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? ([0-9.e+-]+)$/m.exec(text);
    return m ? Math.max(0, Number(m[1]) * 1000 - MONITOR_RESOLUTION_MS) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The value of one counter series in a /metrics page (0 when absent): `labels` is the series' own
 * label text, e.g. `outcome="ok"` (a process's default labels around it do not matter).
 */
export async function scrapeCounter(url: string, name: string, labels: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  const text = await res.text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) || !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/**
 * Samples every process's event-loop p99 once per `everyMs` while running; stop() returns the worst
 * interval per process (a step is judged by its worst second, not by an average that hides it).
 */
export function eventLoopSampler(urls: Record<string, string>, everyMs = 1000) {
  const worst: Record<string, number> = {};
  const sample = async () => {
    await Promise.all(
      Object.entries(urls).map(async ([name, url]) => {
        const v = await scrapeP99Ms(url);
        if (v !== undefined && !Number.isNaN(v)) worst[name] = Math.max(worst[name] ?? 0, v);
      }),
    );
  };
  // The first scrape only resets the histograms.
  const reset = Promise.all(Object.values(urls).map((u) => scrapeP99Ms(u)));
  const timer = setInterval(() => void sample(), everyMs);
  return {
    ready: reset,
    async stop(): Promise<Record<string, number>> {
      clearInterval(timer);
      await sample();
      return Object.fromEntries(Object.entries(worst).map(([k, v]) => [k, round(v, 1)]));
    },
  };
}

export const round = (v: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
