/**
 * One WebSocket connection: the handshake, then commands with replies and events, over the
 * encrypted channel. A Link never reconnects; SealroomClient replaces it when it dies.
 */
import { AppError, type AppErrorShape, type Result } from "@sealroom/proto/errors";
import {
  FRAME,
  ClientHandshake,
  SessionError,
  TRANSPORT_TICKET_EVENT,
  ticketBytes,
  transportTicketSchema,
  type CryptoBackend,
  type SecureChannel,
} from "@sealroom/proto/session";
import { clientSideServerMessageSchema, type ClientMessage } from "@sealroom/proto/wire";
import { ERRORS, type ErrorCode } from "@sealroom/proto/errors";
import { CLOSE } from "@sealroom/proto/close-codes";
import type { TransportTickets } from "./transport-tickets.js";

/** The subset of the WebSocket API used here; browsers' WebSocket and the `ws` package both fit. */
export interface SocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  /** WebSocket's: 1 is OPEN; a socket closing (the browser went offline) takes no more frames. */
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;
const SOCKET_OPEN = 1;

export interface LinkHandlers {
  onEvent(type: string, body: unknown): void;
  onClose(code: number, reason: string, error?: Error): void;
}

interface Pending {
  resolve(r: Result<unknown>): void;
  timer: ReturnType<typeof setTimeout>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Link {
  private channel: SecureChannel | undefined;
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** When the last frame of anything arrived from the server: it shows the connection is alive. */
  private lastInboundAt = Date.now();
  private closed = false;
  private step: "key" | "hello" | "finished" | "ready" = "key";
  private readonly handshake: ClientHandshake;
  /** Whether this connection offered a resumption ticket (known once ServerKey arrived). */
  private offered = false;
  /** Resolves when the channel is ready; rejects when the handshake fails. */
  readonly ready: Promise<void>;
  private settleReady!: { resolve(): void; reject(err: Error): void };

  constructor(
    private readonly socket: SocketLike,
    backend: CryptoBackend,
    verifyServerKey: (spki: Uint8Array, keyId: Uint8Array) => Promise<void>,
    private readonly handlers: LinkHandlers,
    private readonly tickets?: TransportTickets,
  ) {
    this.ready = new Promise((resolve, reject) => (this.settleReady = { resolve, reject }));
    this.ready.catch(() => undefined);
    this.handshake = new ClientHandshake({
      backend,
      verifyServerKey,
      resumption: (keyId) => {
        const offer = tickets?.offer(keyId);
        this.offered = offer !== undefined;
        return offer;
      },
    });
    socket.binaryType = "arraybuffer";
    socket.onmessage = (ev) => {
      this.lastInboundAt = Date.now();
      if (!(ev.data instanceof ArrayBuffer)) return this.abort(new SessionError(CLOSE.PROTOCOL_ERROR, "text frame"));
      const frame = new Uint8Array(ev.data);
      this.inbound = this.inbound.then(() => this.process(frame)).catch((err: unknown) => this.abort(err));
    };
    socket.onclose = (ev) => this.finish(ev.code, ev.reason);
    socket.onerror = () => undefined; // onclose follows with the code
  }

  /**
   * A frame to the socket while it is open. Closing (the network went away, its close event not
   * yet here) it is dropped: the close that follows fails what waits for an answer, and the
   * browser would otherwise log an error for every frame.
   */
  private send(frame: Uint8Array): void {
    if (!this.closed && this.socket.readyState === SOCKET_OPEN) this.socket.send(frame);
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  private async process(frame: Uint8Array): Promise<void> {
    if (this.closed) return;
    switch (this.step) {
      case "key": {
        this.step = "hello";
        this.send(await this.handshake.onServerKey(frame));
        return;
      }
      case "hello": {
        const fullHello = await this.handshake.onServerHello(frame);
        if (fullHello) {
          // The gateway refused the ticket: this connection falls back to the full handshake.
          this.tickets?.forget(this.handshake.keyId!);
          this.send(fullHello);
          return;
        }
        this.step = "finished";
        return;
      }
      case "finished": {
        const { clientFinished, channel } = await this.handshake.onServerFinished(frame);
        this.send(clientFinished);
        this.channel = channel;
        this.step = "ready";
        this.settleReady.resolve();
        return;
      }
      case "ready": {
        const opened = await this.channel!.open(frame);
        if (opened.type === FRAME.KEY_UPDATE) return;
        if (opened.type !== FRAME.DATA) throw new SessionError(CLOSE.PROTOCOL_ERROR, "unexpected Finished");
        this.onMessage(decoder.decode(opened.plaintext));
      }
    }
  }

  private onMessage(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SessionError(CLOSE.PROTOCOL_ERROR, "server sent invalid JSON");
    }
    const msg = clientSideServerMessageSchema.safeParse(json);
    if (!msg.success) throw new SessionError(CLOSE.PROTOCOL_ERROR, "server sent an invalid message");
    const m = msg.data;
    if (m.t === "event" && m.type === TRANSPORT_TICKET_EVENT) return this.keepTicket(m.body);
    if (m.t === "event") return this.handlers.onEvent(m.type, m.body);
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) return p.resolve({ ok: true, value: m.value });
    // An error code newer than this client is still an error, with its message and retry hint.
    const code: ErrorCode = isKnownCode(m.error.code) ? m.error.code : "INTERNAL";
    p.resolve({ ok: false, error: { ...m.error, code } });
  }

  /** A ticket the gateway issued for this connection; one this client cannot read is ignored. */
  private keepTicket(body: unknown): void {
    const ticket = transportTicketSchema.safeParse(body);
    const { keyId, secrets, suite } = this.handshake;
    if (!ticket.success || !this.tickets || !keyId || !secrets || suite === undefined) return;
    this.tickets.keep(
      keyId,
      { ticket: ticketBytes(ticket.data), resumption: secrets.resumption, suite },
      ticket.data.lifetimeMs,
    );
  }

  /**
   * Sends a command; resolves with the reply, or a retryable UNAVAILABLE/TIMEOUT error. A command
   * left unanswered for the whole `timeoutMs` when nothing at all has arrived for the last half of
   * it closes the connection (HEARTBEAT_TIMEOUT), so the client reconnects elsewhere: a gateway
   * answers every command within its own, shorter timeout (COMMAND_TIMEOUT_MS), so such silence
   * means a connection that died without being closed (its host vanished, or the network on the
   * way), which TCP would only give up on after minutes. A busy connection, whose other replies and
   * events keep arriving, is left alone even when one command is slow.
   */
  request(type: string, body: unknown, timeoutMs: number): Promise<Result<unknown>> {
    if (this.closed || !this.channel) return Promise.resolve(failure("UNAVAILABLE"));
    const id = this.nextId++;
    const msg: ClientMessage = { t: "cmd", id, type, body };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(failure("TIMEOUT"));
        if (Date.now() - this.lastInboundAt >= timeoutMs / 2)
          this.close(CLOSE.HEARTBEAT_TIMEOUT, "the server went silent");
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      const channel = this.channel!;
      this.outbound = this.outbound
        .then(async () => {
          const frames = await channel.seal(FRAME.DATA, encoder.encode(JSON.stringify(msg)));
          for (const f of frames) this.send(f);
        })
        .catch((err: unknown) => this.abort(err));
    });
  }

  close(code: number = CLOSE.NORMAL, reason = ""): void {
    if (this.closed) return;
    try {
      this.socket.close(code, reason);
    } catch {
      // already closing
    }
    this.finish(code, reason);
  }

  private abort(err: unknown): void {
    const code = err instanceof SessionError ? err.closeCode : CLOSE.PROTOCOL_ERROR;
    const error = err instanceof Error ? err : new Error(String(err));
    if (!this.closed) {
      try {
        this.socket.close(code >= 4000 ? code : CLOSE.PROTOCOL_ERROR, error.message.slice(0, 120));
      } catch {
        // ignore
      }
    }
    this.finish(code, error.message, error);
  }

  private finish(code: number, reason: string, error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    // A gateway that predates resumption fails the handshake on a ResumeHello: the next connection
    // makes a full handshake (the one fallback), and gets a ticket only from a gateway that issues them.
    if (this.offered && this.step !== "ready" && code === CLOSE.HANDSHAKE_FAILED) {
      this.tickets?.forget(this.handshake.keyId!);
    }
    this.settleReady.reject(error ?? new Error(`connection closed (${code}) ${reason}`));
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(failure("UNAVAILABLE", "The connection was lost."));
    }
    this.pending.clear();
    this.handlers.onClose(code, reason, error);
  }
}

function failure(code: "UNAVAILABLE" | "TIMEOUT", message?: string): { ok: false; error: AppErrorShape } {
  return { ok: false, error: new AppError(code, message).toJSON() };
}

/** The catalogue as this client knows it (a newer server may send codes it does not). */
function isKnownCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}
