/**
 * Signed-in connections by user, and one NATS subscription per user with at least one connection
 * here: `evt.user.<id>` deliveries fan out to that user's sockets on this gateway.
 */
import { userEventSchema } from "@sealroom/proto/broadcasts";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { MAX_SERVER_MESSAGE_BYTES } from "@sealroom/proto/wire";
import type { Logger, NatsConnection, Subscription } from "@sealroom/runtime";

/** Event types that may be dropped for a slow reader (they are refreshed by later ones). */
const DROPPABLE = /^(typing|presence)\./;
const encoder = new TextEncoder();

/** `{"t":"event",` followed by the rest of the service's `{"type":...,"body":...}`. */
const EVENT_HEAD = Buffer.from('{"t":"event",');

/**
 * The payload, once validated, already is the ServerMessage but for its `t`: when it is a JSON
 * object with exactly the two keys the schema keeps (nothing to strip), its bytes are reused
 * instead of a JSON.stringify and a UTF-8 encode of what JSON.parse just built (the same JSON
 * value either way). Anything else (more keys, leading white space) takes the general path.
 * Called once the schema accepted the value, so `type` and `body` are there.
 */
function exactlyTypeAndBody(json: unknown, payload: Buffer): boolean {
  return payload[0] === 0x7b && Object.keys(json as object).length === 2;
}

/** An event from NATS, validated and serialized once as the ServerMessage every socket gets. */
interface PreparedEvent {
  type: string;
  wire: Uint8Array;
  droppable: boolean;
}

/**
 * What the registry needs of a connection. Its own interface, not connection.ts's class, so this
 * module does not import the connection that imports it (the registry is in every connection's
 * context).
 */
export interface UserSocket {
  readonly userId: number | undefined;
  sendEventBytes(bytes: Uint8Array, droppable: boolean): void;
}

export class UserRegistry<Connection extends UserSocket = UserSocket> {
  private readonly conns = new Map<number, Set<Connection>>();
  private readonly subs = new Map<number, Subscription>();
  /**
   * The last event's payload and what it became. A group message arrives once per member
   * (`evt.user.<id>` each), byte for byte the same: parsing, validating and serializing it once per
   * gateway instead of once per member is most of the fan-out's CPU after encryption.
   */
  private last: { payload: Buffer; event: PreparedEvent | undefined } | undefined;

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

  private prepare(data: Uint8Array): PreparedEvent | undefined {
    const payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.last?.payload.equals(payload)) return this.last.event;
    let event: PreparedEvent | undefined;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch {
      json = undefined;
    }
    const parsed = userEventSchema.safeParse(json);
    if (parsed.success) {
      const { type, body } = parsed.data;
      const wire = exactlyTypeAndBody(json, payload)
        ? Buffer.concat([EVENT_HEAD, payload.subarray(1)])
        : encoder.encode(JSON.stringify({ t: "event", type, body }));
      if (wire.length <= MAX_SERVER_MESSAGE_BYTES) event = { type, wire, droppable: DROPPABLE.test(type) };
      else this.log.error({ bytes: wire.length, type }, "event too large for the protocol, dropped");
    }
    // A copy: the NATS client may reuse the buffer it read into.
    this.last = { payload: Buffer.from(payload), event };
    return event;
  }

  private subscribe(userId: number): Subscription {
    return this.nc.subscribe(SUBJECTS.userEvents(userId), {
      callback: (err, msg) => {
        if (err) return this.log.warn({ err, userId }, "user event subscription failed");
        const event = this.prepare(msg.data);
        if (!event) return this.log.warn({ subject: msg.subject }, "malformed user event dropped");
        for (const conn of this.connectionsOf(userId)) conn.sendEventBytes(event.wire, event.droppable);
      },
    });
  }
}
