/**
 * Signed-in connections by user, and one NATS subscription per user with at least one connection
 * here: `evt.user.<id>` deliveries fan out to that user's sockets on this gateway.
 */
import { userEventSchema } from "@sealroom/proto/nats";
import { SUBJECTS } from "@sealroom/proto/subjects";
import type { Logger, NatsConnection, Subscription } from "@sealroom/runtime";
import type { Connection } from "./connection.js";

/** Event types that may be dropped for a slow reader (they are refreshed by later ones). */
const DROPPABLE = /^(typing|presence)\./;

export class UserRegistry {
  private readonly conns = new Map<number, Set<Connection>>();
  private readonly subs = new Map<number, Subscription>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
    /** Told the user's new count of signed-in connections here after each add and remove (presence). */
    private readonly onCount: (userId: number, connections: number) => void = () => {},
  ) {}

  count(userId: number): number {
    return this.conns.get(userId)?.size ?? 0;
  }

  connectionsOf(userId: number): Iterable<Connection> {
    return this.conns.get(userId) ?? [];
  }

  get userCount(): number {
    return this.conns.size;
  }

  /** Signed-in connection counts per user. */
  *counts(): Iterable<[number, number]> {
    for (const [userId, set] of this.conns) yield [userId, set.size];
  }

  add(conn: Connection): void {
    const userId = conn.userId!;
    let set = this.conns.get(userId);
    if (!set) {
      set = new Set();
      this.conns.set(userId, set);
      this.subs.set(userId, this.subscribe(userId));
    }
    set.add(conn);
    this.onCount(userId, set.size);
  }

  remove(conn: Connection): void {
    const userId = conn.userId!;
    const set = this.conns.get(userId);
    if (!set?.delete(conn)) return;
    this.onCount(userId, set.size);
    if (set.size > 0) return;
    this.conns.delete(userId);
    this.subs.get(userId)?.unsubscribe();
    this.subs.delete(userId);
  }

  private subscribe(userId: number): Subscription {
    return this.nc.subscribe(SUBJECTS.userEvents(userId), {
      callback: (err, msg) => {
        if (err) return this.log.warn({ err, userId }, "user event subscription failed");
        let data: unknown;
        try {
          data = msg.json();
        } catch {
          data = undefined;
        }
        const event = userEventSchema.safeParse(data);
        if (!event.success) return this.log.warn({ subject: msg.subject }, "malformed user event dropped");
        const droppable = DROPPABLE.test(event.data.type);
        for (const conn of this.connectionsOf(userId)) conn.sendEvent(event.data.type, event.data.body, droppable);
      },
    });
  }
}
