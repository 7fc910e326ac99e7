/**
 * The gateway's requests to the services: one reply subscription per gateway, a request is one Map
 * entry. nats.js's `nc.request` built, per request, a deferred, a timeout promise with its own timer
 * and, on every success, a `RequestError("cancelled")` with its stack (RequestOne.cancel rejects the
 * settled deferred): 3% of the gateway's CPU in the S2 profile for the error alone, plus the garbage.
 * The wire is the same (a publish with a reply subject under the connection's inbox prefix, which
 * NATS permissions restrict to the gateways' own `_INBOX.<user>.>`).
 */
import { createInbox } from "@nats-io/transport-node";
import type { Logger, Msg, NatsConnection, Subscription } from "@sealroom/runtime";
import { AppError } from "@sealroom/proto/errors";

interface Pending {
  resolve(msg: Msg): void;
  reject(err: AppError): void;
  deadline: number;
}

/** The inbox prefix the connection was configured with (the runtime sets `_INBOX.<user>`). */
function inboxPrefixOf(nc: NatsConnection): string | undefined {
  return (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
}

export class ServiceRequests {
  /** Insertion order is deadline order: every request has the same timeout. */
  private readonly pending = new Map<string, Pending>();
  private readonly prefix: string;
  private sub: Subscription | undefined;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Subject, payload, token: the requests of this event-loop turn, published together. */
  private turn: string[] | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Pick<Logger, "warn">,
    private readonly timeoutMs: number,
  ) {
    this.prefix = `${createInbox(inboxPrefixOf(nc))}.`;
  }

  open(): void {
    this.sub ??= this.nc.subscribe(`${this.prefix}*`, {
      callback: (err, msg) => {
        if (err) return this.log.warn({ err }, "reply subscription failed");
        this.onReply(msg);
      },
    });
  }

  /** What is still pending fails as UNAVAILABLE. */
  close(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) p.reject(new AppError("UNAVAILABLE"));
  }

  /**
   * Resolves with the reply; rejects with UNAVAILABLE (no instance of the service is up, or the
   * connection is closed) or TIMEOUT (overloaded or stuck).
   */
  request(subject: string, payload: string): Promise<Msg> {
    return new Promise<Msg>((resolve, reject) => {
      if (!this.sub) return reject(new AppError("UNAVAILABLE"));
      const token = (this.seq++).toString(36);
      this.pending.set(token, { resolve, reject, deadline: performance.now() + this.timeoutMs });
      this.timer ??= setTimeout(() => this.expire(), this.timeoutMs);
      if (!this.turn) {
        this.turn = [];
        setImmediate(() => this.publishTurn());
      }
      this.turn.push(subject, payload, token);
    });
  }

  /**
   * The NATS client writes its socket once per microtask checkpoint, but commands from different
   * WebSockets arrive in different I/O callbacks, so each request cost its own write(2). Published
   * together once per event-loop turn instead (setImmediate runs right after the turn's I/O
   * callbacks), a turn's commands share one write.
   */
  private publishTurn(): void {
    const batch = this.turn!;
    this.turn = undefined;
    for (let i = 0; i < batch.length; i += 3) {
      const token = batch[i + 2]!;
      try {
        this.nc.publish(batch[i]!, batch[i + 1], { reply: this.prefix + token });
      } catch {
        this.settle(token)?.reject(new AppError("UNAVAILABLE"));
      }
    }
  }

  private onReply(msg: Msg): void {
    const p = this.settle(msg.subject.slice(this.prefix.length));
    if (!p) return; // timed out already
    // NATS answers a request nobody subscribes to with an empty 503 status message.
    if (msg.data.length === 0 && msg.headers?.code === 503) p.reject(new AppError("UNAVAILABLE"));
    else p.resolve(msg);
  }

  private settle(token: string): Pending | undefined {
    const p = this.pending.get(token);
    if (p) this.pending.delete(token);
    return p;
  }

  /** One timer at a time, set for the oldest request's deadline. */
  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    for (const [token, p] of this.pending) {
      if (p.deadline > now) {
        this.timer = setTimeout(() => this.expire(), Math.max(1, p.deadline - now));
        return;
      }
      this.pending.delete(token);
      p.reject(new AppError("TIMEOUT"));
    }
  }
}
