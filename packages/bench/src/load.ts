/**
 * Open-loop sending and what arrives. Every message carries its *scheduled* send time (the
 * generator's performance.now(), one monotonic clock for senders and recipients alike) inside its
 * encrypted text, so latency includes any time the generator or the server fell behind the
 * schedule (no coordinated omission).
 */
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { round } from "./procstat.js";

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Latencies in milliseconds, kept as microseconds in an HDR histogram (3 significant digits). */
export class Latency {
  private h: RecordableHistogram = createHistogram();

  record(ms: number): void {
    this.h.record(Math.max(1, Math.round(ms * 1000)));
  }

  summary(): Percentiles {
    const at = (p: number) => (this.h.count === 0 ? NaN : round(this.h.percentile(p) / 1000, 2));
    return {
      count: this.h.count,
      p50: at(50),
      p95: at(95),
      p99: at(99),
      max: this.h.count === 0 ? NaN : round(this.h.max / 1000, 2),
    };
  }
}

export const stampText = (scheduled: number, tag: string): string => `${scheduled.toFixed(3)} ${tag}`;
export const stampOf = (text: string): number => Number(text.slice(0, text.indexOf(" ")));

/** Deliveries of one step: reach, duplicates and order per (recipient, conversation). */
export class Deliveries {
  readonly latency = new Latency();
  delivered = 0;
  duplicates = 0;
  outOfOrder = 0;
  /** performance.now() of the latest delivery. */
  lastAt = 0;
  private readonly seen = new Set<string>();
  private readonly lastSeq = new Map<string, number>();

  /** Returns false for a duplicate. */
  add(recipient: number, conversationId: string, seq: number, scheduled: number, now = performance.now()): boolean {
    const key = `${recipient}|${conversationId}`;
    const id = `${key}|${seq}`;
    if (this.seen.has(id)) {
      this.duplicates++;
      return false;
    }
    this.seen.add(id);
    const last = this.lastSeq.get(key) ?? 0;
    if (seq < last) this.outOfOrder++;
    else this.lastSeq.set(key, seq);
    this.delivered++;
    this.lastAt = now;
    this.latency.record(now - scheduled);
    return true;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls send(i, scheduled) for i = 0.. at `rate` per second for `seconds`, each at (or, when the
 * generator is late, as soon as possible after) its scheduled time. Never waits for replies.
 */
export async function openLoop(
  rate: number,
  seconds: number,
  send: (i: number, scheduled: number) => void,
): Promise<{ sent: number; seconds: number }> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const t0 = performance.now();
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && t0 + i * interval <= now) {
      send(i, t0 + i * interval);
      i++;
    }
    if (i < total) await sleep(Math.max(0, Math.min(5, t0 + i * interval - performance.now())));
  }
  return { sent: total, seconds: (performance.now() - t0) / 1000 };
}

/** Waits until done() or the deadline; true if done. */
export async function until(done: () => boolean, timeoutMs: number, pollMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) return false;
    await sleep(pollMs);
  }
  return true;
}

/** Outcome counts of commands. */
export class Outcomes {
  ok = 0;
  errors = 0;
  timeouts = 0;
  readonly codes: Record<string, number> = {};

  add(r: { ok: boolean; error?: { code: string } }): void {
    if (r.ok) return void this.ok++;
    const code = r.error?.code ?? "UNKNOWN";
    this.codes[code] = (this.codes[code] ?? 0) + 1;
    if (code === "TIMEOUT") this.timeouts++;
    else this.errors++;
  }

  get settled(): number {
    return this.ok + this.errors + this.timeouts;
  }
}
