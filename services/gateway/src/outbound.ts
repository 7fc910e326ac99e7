/**
 * A connection's outbound queue: replies and events are serialized, encrypted and written strictly
 * in the order they were queued (each record's nonce is the next counter value), and a client that
 * reads too slowly first loses droppable events, then its connection.
 */
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { CLOSE } from "@sealroom/proto/close-codes";
import { AppError, fail, type Result } from "@sealroom/proto/errors";
import { FRAME, type SecureChannel } from "@sealroom/proto/session";
import { MAX_SERVER_MESSAGE_BYTES, type ServerMessage } from "@sealroom/proto/wire";
import type { Logger } from "@sealroom/runtime";

/** Above this many buffered bytes, droppable events (typing, presence) are dropped. */
export const DROP_EVENTS_ABOVE = 256 * 1024;
/** Above this, the client is too slow: close it (it resyncs on reconnect). */
export const SLOW_CONSUMER_LIMIT = 4 * 1024 * 1024;
const encoder = new TextEncoder();

/**
 * The bytes of a message, or what replaces it when it exceeds the protocol's bound: a reply still
 * answers its command (PAYLOAD_TOO_LARGE, so the client does not wait for it); an event is dropped.
 */
export function serializeMessage(msg: ServerMessage, log: Pick<Logger, "error">): Uint8Array | undefined {
  const bytes = encoder.encode(JSON.stringify(msg));
  if (bytes.length <= MAX_SERVER_MESSAGE_BYTES) return bytes;
  if (msg.t === "reply") {
    log.error({ bytes: bytes.length }, "reply too large for the protocol");
    return encoder.encode(JSON.stringify({ t: "reply", id: msg.id, ...fail(new AppError("PAYLOAD_TOO_LARGE")) }));
  }
  log.error({ bytes: bytes.length }, "event too large for the protocol, dropped");
  return undefined;
}

/** A reply; `json`, when given, is the service's own `{"ok":true,...}` for the same result. */
export type SplicedReply = Result<unknown> & { json?: Uint8Array };

/**
 * A reply built around the service's own JSON `{"ok":true,...}` (forward.ts checked its envelope):
 * `{"t":"reply","id":<id>,` and the service's bytes after its opening brace, with no JSON.stringify
 * and no UTF-8 encoding of the value. Over the protocol's bound it is serialized the
 * usual way, which replaces it with PAYLOAD_TOO_LARGE.
 */
export function replyBytes(id: number, reply: SplicedReply, log: Pick<Logger, "error">): Uint8Array | undefined {
  const { json, ...result } = reply;
  if (json) {
    const head = encoder.encode(`{"t":"reply","id":${id},`);
    const size = head.length + json.length - 1;
    if (size <= MAX_SERVER_MESSAGE_BYTES) {
      const bytes = new Uint8Array(size);
      bytes.set(head);
      bytes.set(json.subarray(1), head.length);
      return bytes;
    }
  }
  return serializeMessage({ t: "reply", id, ...result }, log);
}

/**
 * The frames one socket gets within one event-loop turn leave in one write(2): a DM's reply and
 * the sender's own copy of the message come from NATS in the same read, and every ws.send() was
 * its own writev, the largest single item of the gateway's CPU under load. Uncorked in the check
 * phase of the same turn, so nothing waits for a timer.
 */
const corked = new Set<Duplex>();
function corkForThisTurn(socket: Duplex): void {
  if (corked.has(socket)) return;
  if (corked.size === 0) setImmediate(uncorkAll);
  corked.add(socket);
  socket.cork();
}
function uncorkAll(): void {
  const sockets = [...corked];
  corked.clear();
  for (const s of sockets) s.uncork();
}

/** What the queue needs from its connection. */
export interface OutboundOwner {
  /** Closes the connection once what is queued has been sent (a slow consumer). */
  close(code: number, reason: string): void;
  /** Closes the connection for an error thrown while sending. */
  fail(err: unknown): void;
}

export class Outbound {
  private tail: Promise<void> = Promise.resolve();
  private ended = false;
  private channel: SecureChannel | undefined;
  /** Messages queued behind `tail`, not yet written: a new one may not overtake them. */
  private waiting = 0;

  constructor(
    private readonly ws: WebSocket,
    /** The upgraded TCP socket under `ws`, corked per turn when given. */
    private readonly socket: Duplex | undefined,
    private readonly log: Logger,
    private readonly framesOut: { inc(n?: number): void },
    private readonly owner: OutboundOwner,
  ) {}

  /** The session's keys, once the handshake is done; nothing queued is sent before. */
  attach(channel: SecureChannel): void {
    this.channel = channel;
  }

  /** Resolves once everything queued so far has been sent (or given up). */
  get idle(): Promise<void> {
    return this.tail;
  }

  /** Nothing queued from now on is sent; what was queued before still is. */
  end(): void {
    this.ended = true;
  }

  /** Queues a message; what is queued before end() is still sent (close waits for `idle`). */
  send(msg: ServerMessage): Promise<void> {
    return this.queue(() => serializeMessage(msg, this.log));
  }

  /** Queues the reply to command `id`; a reply with the service's `json` is spliced, not re-serialized. */
  sendReply(id: number, reply: SplicedReply): Promise<void> {
    return this.queue(() => replyBytes(id, reply, this.log));
  }

  /** Queues an event; `droppable` events go first when the client reads slowly. */
  sendEvent(type: string, body: unknown, droppable: boolean): void {
    if (droppable && this.ws.bufferedAmount > DROP_EVENTS_ABOVE) return;
    void this.send({ t: "event", type, body });
  }

  /** Queues an event already serialized as a ServerMessage (one group message, many sockets). */
  sendEventBytes(bytes: Uint8Array, droppable: boolean): void {
    if (droppable && this.ws.bufferedAmount > DROP_EVENTS_ABOVE) return;
    void this.queue(() => bytes);
  }

  /**
   * With nothing queued ahead, a message is serialized, sealed and written at once when the
   * channel can seal synchronously (sealDataNow): no promise for the common case of a reply or an
   * event to an idle socket. Otherwise it waits its turn and serializes lazily (nothing is encoded
   * for a socket that is gone or too slow by then).
   */
  private queue(bytesOf: () => Uint8Array | undefined): Promise<void> {
    if (this.ended) return this.tail;
    if (this.waiting === 0) {
      try {
        const bytes = this.serialize(bytesOf);
        if (!bytes) return this.tail;
        const frame = this.channel!.sealDataNow(bytes);
        if (frame) {
          this.write([frame]);
          return this.tail;
        }
        bytesOf = () => bytes;
      } catch (err) {
        this.owner.fail(err);
        return this.tail;
      }
    }
    this.waiting++;
    this.tail = this.tail.then(() => this.sendLater(bytesOf));
    return this.tail;
  }

  private async sendLater(bytesOf: () => Uint8Array | undefined): Promise<void> {
    try {
      const bytes = this.serialize(bytesOf);
      if (!bytes) return;
      this.write(await this.channel!.seal(FRAME.DATA, bytes));
    } catch (err) {
      this.owner.fail(err);
    } finally {
      this.waiting--;
    }
  }

  /** The bytes to send, or undefined when there is nothing to send (gone, too slow, too large). */
  private serialize(bytesOf: () => Uint8Array | undefined): Uint8Array | undefined {
    if (!this.channel || this.ws.readyState !== this.ws.OPEN) return undefined;
    if (this.ws.bufferedAmount > SLOW_CONSUMER_LIMIT) {
      this.owner.close(CLOSE.TRY_AGAIN_LATER, "reading too slowly");
      return undefined;
    }
    return bytesOf();
  }

  private write(frames: Uint8Array[]): void {
    if (this.socket) corkForThisTurn(this.socket);
    for (const f of frames) this.ws.send(f);
    this.framesOut.inc(frames.length);
  }
}
