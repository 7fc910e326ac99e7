/**
 * The gateway's half of presence: it reports, the social service decides.
 *
 * Whenever the number of signed-in connections of a user on this gateway changes, the new count is
 * queued; one request at a time carries every queued count to the "social" queue group (so a
 * mass reconnect becomes a few batches, and reports of one gateway are applied in order). Each
 * report has a strictly increasing stamp, so one that times out and lands late cannot overwrite a
 * newer count. A heartbeat renews this gateway's lease every `heartbeatMs`; if the gateway dies,
 * the lease runs out after `ttlMs` and the service turns its users offline. At start, and whenever
 * the service answers `resync` (it had given this gateway up), the full table is sent with
 * `reset`. Failures are retried with backoff; nothing here ever blocks a connection.
 */
import { resultSchema } from "@sealroom/proto/errors";
import { PRESENCE_REPORT_MAX_ENTRIES, presenceAckSchema, type PresenceAck } from "@sealroom/proto/gateway-presence";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { errorText, systemClock, type Clock, type Logger, type NatsConnection } from "@sealroom/runtime";

const ackReply = resultSchema(presenceAckSchema);
const MAX_BACKOFF_MS = 5_000;
/**
 * How long a change waits for others before it is reported. A mass reconnect arrives over seconds
 * (the gateway answers hellos a few milliseconds' worth per turn: hello-queue.ts), and reporting
 * what had queued during each round trip made ~2x as many reports: social's CPU per resumed session
 * went from ~100 to ~250 us in S5's resume storm. Nobody sees a contact come online 50 ms later.
 */
export const PRESENCE_GATHER_MS = 50;

export interface PresenceReporterOptions {
  nc: NatsConnection;
  log: Logger;
  gatewayId: string;
  /** How long the lease lasts after each message. */
  ttlMs: number;
  heartbeatMs: number;
  /** Signed-in connection counts per user on this gateway, now. */
  snapshot: () => Iterable<[userId: number, connections: number]>;
  now?: Clock;
  /** How long a change waits for others (default PRESENCE_GATHER_MS). */
  gatherMs?: number;
}

export class PresenceReporter {
  private readonly pending = new Map<number, number>();
  private resetWanted = true;
  private heartbeatDue = false;
  private stopped = true;
  private pump: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private gather: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastStamp = 0;
  private readonly timeoutMs: number;
  private readonly now: Clock;

  constructor(private readonly opts: PresenceReporterOptions) {
    this.timeoutMs = Math.max(200, Math.min(2_000, Math.floor(opts.ttlMs / 3)));
    this.now = opts.now ?? systemClock;
  }

  /** Sends the full table (reset) and starts the heartbeat. */
  start(): void {
    this.stopped = false;
    this.resetWanted = true;
    this.heartbeat = setInterval(() => {
      this.heartbeatDue = true;
      this.kick();
    }, this.opts.heartbeatMs);
    this.heartbeat.unref();
    this.kick();
  }

  /** The user now has `connections` signed-in connections here. */
  changed(userId: number, connections: number): void {
    if (this.stopped) return;
    this.pending.set(userId, connections);
    this.gather ??= setTimeout(() => {
      this.gather = undefined;
      this.kick();
    }, this.opts.gatherMs ?? PRESENCE_GATHER_MS);
  }

  /** Graceful stop: stops reporting and tells the service this gateway's users are gone. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.halt();
    await this.pump;
    if (this.opts.nc.isClosed()) return;
    const ok = await this.request(SUBJECTS.presenceDown, { gatewayId: this.opts.gatewayId });
    if (!ok) this.opts.log.warn("could not report gateway down; its lease will expire instead");
  }

  /** Stops without a word (the connection to NATS is gone); the lease expires on its own. */
  halt(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.retry);
    this.retry = undefined;
    clearTimeout(this.gather);
    this.gather = undefined;
    this.pending.clear();
  }

  private kick(): void {
    if (this.stopped || this.pump || this.retry) return;
    this.pump = this.drain().finally(() => {
      this.pump = undefined;
      // A change that arrived while the last request was settling.
      if (this.pending.size > 0 || this.resetWanted) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (this.resetWanted || this.pending.size > 0 || this.heartbeatDue)) {
      if (await this.sendNext()) {
        this.failures = 0;
        continue;
      }
      if (this.stopped) return;
      const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.failures++) * (0.5 + Math.random() / 2);
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.kick();
      }, delay);
      return;
    }
  }

  /** One report (queued counts, the full table first when a reset is due) or one heartbeat. */
  private async sendNext(): Promise<boolean> {
    const { gatewayId, ttlMs } = this.opts;
    if (!this.resetWanted && this.pending.size === 0) {
      const ack = await this.request(SUBJECTS.presenceHeartbeat, { gatewayId, ttlMs });
      if (!ack) return false;
      this.heartbeatDue = false;
      if (ack.resync) this.resetWanted = true;
      return true;
    }
    const reset = this.resetWanted;
    if (reset) for (const [userId, n] of this.opts.snapshot()) this.pending.set(userId, n);
    const entries: Array<{ userId: number; connections: number }> = [];
    for (const [userId, connections] of this.pending) {
      if (entries.length >= PRESENCE_REPORT_MAX_ENTRIES) break;
      entries.push({ userId, connections });
    }
    for (const e of entries) this.pending.delete(e.userId);
    const stamp = (this.lastStamp = Math.max(this.now(), this.lastStamp + 1));
    const ack = await this.request(SUBJECTS.presenceReport, { gatewayId, ttlMs, stamp, reset, entries });
    if (!ack) {
      // Put back what no newer change has replaced meanwhile.
      for (const e of entries) if (!this.pending.has(e.userId)) this.pending.set(e.userId, e.connections);
      return false;
    }
    if (reset) this.resetWanted = false;
    this.heartbeatDue = false; // any report renews the lease
    if (ack.resync) this.resetWanted = true;
    return true;
  }

  private async request(subject: string, payload: unknown): Promise<PresenceAck | undefined> {
    try {
      const msg = await this.opts.nc.request(subject, JSON.stringify(payload), { timeout: this.timeoutMs });
      const reply = ackReply.safeParse(msg.json());
      if (reply.success && reply.data.ok) return reply.data.value;
      this.opts.log.warn(
        { subject, error: reply.success && !reply.data.ok ? reply.data.error.code : "malformed" },
        "presence report refused",
      );
    } catch (err) {
      // Expected (social not started yet, or restarting) and retried: one readable line, no stack.
      const level = this.failures === 0 ? "warn" : "debug";
      this.opts.log[level]({ subject, error: errorText(err) }, "presence report failed; retrying");
    }
    return undefined;
  }
}
