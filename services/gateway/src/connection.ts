/**
 * One client connection: handshake, then sign-in, then commands and events, over encrypted frames.
 * Inbound frames are processed strictly one at a time (the record layer demands it); commands run
 * concurrently once decrypted, bounded by MAX_IN_FLIGHT (reading pauses beyond it). Which commands
 * are forwarded is admission.ts; the ordered, encrypted sending is outbound.ts.
 */
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { CLOSE } from "@sealroom/proto/close-codes";
import { COMMANDS, isCommandType, type CommandSpec } from "@sealroom/proto/commands";
import { AppError, fail, type Result } from "@sealroom/proto/errors";
import type { RequestContext } from "@sealroom/proto/envelope";
import { parseUntrusted } from "@sealroom/proto/parse";
import { passwordChangedSchema, sessionGrantSchema } from "@sealroom/proto/auth";
import {
  FRAME,
  SessionError,
  ServerHandshake,
  TRANSPORT_TICKET_EVENT,
  type SecureChannel,
} from "@sealroom/proto/session";
import { nodeBackend } from "@sealroom/proto/session/node";
import {
  MAX_ANONYMOUS_FRAME_BYTES,
  MAX_HANDSHAKE_FRAME_BYTES,
  MAX_MESSAGE_BYTES,
  clientMessageSchema,
} from "@sealroom/proto/wire";
import { TokenBucket, type Logger } from "@sealroom/runtime";
import { CommandAdmission } from "./admission.js";
import type { GatewayContext } from "./context.js";
import { hotCounters, type HotCounters } from "./metrics.js";
import { forwardCommand, type ForwardedReply } from "./forward.js";
import { Outbound } from "./outbound.js";
import { SignInDeadline } from "./signin-deadline.js";

/** Decrypted commands awaiting their reply, per connection, before reading pauses. */
const MAX_IN_FLIGHT = 64;
/** Frames queued for decryption before reading pauses. */
const MAX_QUEUED_FRAMES = 16;
const RECORD_OVERHEAD = 10 + 16;
const decoder = new TextDecoder("utf-8", { fatal: true });
/** A sign-in answered with these was queued at auth, not refused: the sign-in deadline starts over. */
const AUTH_QUEUEING = new Set(["AUTH_BUSY", "TIMEOUT"]);

type State = "hello" | "finished" | "anonymous" | "user" | "closed";

export class Connection {
  readonly id: string;
  userId: number | undefined;
  sessionId: string | undefined;
  alive = true;
  private state: State = "hello";
  private channel: SecureChannel | undefined;
  private readonly handshake: ServerHandshake;
  private inbound: Promise<void> = Promise.resolve();
  private readonly outbound: Outbound;
  private queuedFrames = 0;
  private inFlight = 0;
  private paused = false;
  /** A revocation of the resumed session arrived while the resume was in flight: close after the reply. */
  private revokedWhileResuming = false;
  private loggingOut = false;
  /** Over the rate-violation limit: reading stopped, closing with 4008 once in-flight commands replied. */
  private closingForRate = false;
  private overCap = false;
  private readonly admission: CommandAdmission;
  private readonly signInDeadline: SignInDeadline;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly log: Logger;
  private readonly counters: HotCounters;

  constructor(
    private readonly ws: WebSocket,
    readonly ip: string,
    private readonly gw: GatewayContext<Connection>,
    /** The upgraded TCP socket under `ws`, corked per turn when given. */
    private readonly socket?: Duplex,
  ) {
    this.id = gw.nextConnId();
    this.log = gw.log.child({ connId: this.id });
    this.counters = hotCounters(gw.metrics);
    this.admission = new CommandAdmission(
      new TokenBucket({ perSec: gw.config.rateLimitPerSec, burst: gw.config.rateLimitBurst }),
      this.log,
      new TokenBucket({ perSec: gw.config.bulkRatePerSec, burst: gw.config.bulkBurst }),
    );
    this.outbound = new Outbound(ws, socket, this.log, this.counters.framesOut, {
      close: (code, reason) => this.close(code, reason),
      fail: (err) => this.fail(err),
    });
    this.handshake = new ServerHandshake({ backend: nodeBackend, serverKey: gw.serverKey, tickets: gw.tickets });
    this.signInDeadline = new SignInDeadline(gw.config.handshakeTimeoutMs, gw.config.signInMaxMs, () =>
      this.close(CLOSE.HANDSHAKE_TIMEOUT, "sign in took too long"),
    );
    this.timers.push(setTimeout(() => this.close(CLOSE.SESSION_EXPIRED, "session too old"), gw.config.sessionMaxAgeMs));
    ws.on("message", (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on("pong", () => (this.alive = true));
    ws.on("error", (err) => this.log.debug({ err }, "socket error"));
    ws.on("close", (code) => this.onClosed(code));
    gw.metrics.connections.inc({ state: "handshake" });
    ws.send(this.handshake.serverKeyFrame);
    this.log.info({ ip }, "connection opened");
  }

  /** A method, not a comparison, so that TypeScript does not keep a narrowing from before an await. */
  private isClosed(): boolean {
    return this.state === "closed";
  }

  get signedIn(): boolean {
    return this.state === "user";
  }

  /**
   * Checked on arrival, so it must allow what the frame may legitimately be once processed: a
   * command may follow ClientFinished without waiting, hence the anonymous limit from "finished" on.
   */
  private frameLimit(): number {
    if (this.state === "hello") return MAX_HANDSHAKE_FRAME_BYTES;
    if (this.state === "finished" || this.state === "anonymous") return MAX_ANONYMOUS_FRAME_BYTES;
    return MAX_MESSAGE_BYTES + RECORD_OVERHEAD;
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.state === "closed") return;
    if (!isBinary) return this.close(CLOSE.PROTOCOL_ERROR, "text frames are not part of the protocol");
    if (data.length > this.frameLimit()) return this.close(CLOSE.TOO_BIG, "frame too large");
    this.queuedFrames++;
    this.updatePause();
    const frame = new Uint8Array(data.buffer, data.byteOffset, data.length);
    this.inbound = this.inbound.then(() => this.processQueued(frame));
  }

  /** One promise per frame instead of three (then, catch, finally): it runs for every frame. */
  private async processQueued(frame: Uint8Array): Promise<void> {
    try {
      if (this.state !== "closed") await this.process(frame);
    } catch (err) {
      this.fail(err);
    } finally {
      this.queuedFrames--;
      this.updatePause();
    }
  }

  private updatePause(): void {
    const busy = this.closingForRate || this.queuedFrames > MAX_QUEUED_FRAMES || this.inFlight >= MAX_IN_FLIGHT;
    if (busy && !this.paused) this.ws.pause();
    if (!busy && this.paused) this.ws.resume();
    this.paused = busy;
  }

  private async process(frame: Uint8Array): Promise<void> {
    switch (this.state) {
      case "hello": {
        // A connection that closed while its hello waited for its turn costs nothing more.
        const hello = async () => (this.isClosed() ? undefined : this.handshake.onHello(frame));
        const flight = await (this.gw.hellos ? this.gw.hellos.run(hello) : hello());
        // The RSA decryption may have run on another thread, and the deadline may have closed us meanwhile.
        if (!flight || this.isClosed()) return;
        if ("refused" in flight) {
          // The client falls back to a full ClientHello on this connection.
          this.gw.metrics.resumptions.inc({ outcome: "refused" });
          this.ws.send(flight.refused);
          return;
        }
        if (this.handshake.resumed) this.gw.metrics.resumptions.inc({ outcome: "accepted" });
        const { serverHello, serverFinished } = flight;
        this.state = "finished";
        // One write(2) for the flight, as the outbound queue does for a turn's frames.
        this.socket?.cork();
        this.ws.send(serverHello);
        this.ws.send(serverFinished);
        this.socket?.uncork();
        return;
      }
      case "finished": {
        const finish = () => this.onClientFinished(frame);
        return this.gw.hellos ? this.gw.hellos.run(finish, true) : finish();
      }
      case "anonymous":
      case "user": {
        const opened = await this.channel!.open(frame);
        this.counters.framesIn.inc();
        if (opened.type === FRAME.KEY_UPDATE) return;
        if (opened.type !== FRAME.DATA) throw new SessionError(CLOSE.PROTOCOL_ERROR, "unexpected Finished");
        this.onMessage(opened.plaintext);
        return;
      }
      case "closed":
        return;
    }
  }

  private async onClientFinished(frame: Uint8Array): Promise<void> {
    if (this.isClosed()) return;
    this.channel = await this.handshake.onClientFinished(frame);
    this.outbound.attach(this.channel);
    this.state = "anonymous";
    this.gw.metrics.handshakes.inc({ outcome: "ok" });
    this.gw.metrics.connections.dec({ state: "handshake" });
    this.gw.metrics.connections.inc({ state: "anonymous" });
    // Issued before the next frame is processed, so it precedes every reply on this connection.
    const ticket = await this.handshake.issueTicket();
    if (ticket) this.outbound.sendEvent(TRANSPORT_TICKET_EVENT, ticket, false);
  }

  private onMessage(plaintext: Uint8Array): void {
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(plaintext));
    } catch {
      throw new SessionError(CLOSE.PROTOCOL_ERROR, "a message is not UTF-8 JSON");
    }
    const parsed = parseUntrusted(clientMessageSchema, json);
    if (!parsed.success) throw new SessionError(CLOSE.PROTOCOL_ERROR, "a message is not a command");
    const { id, type, body } = parsed.data;
    const spec: CommandSpec | undefined = isCommandType(type) ? COMMANDS[type] : undefined;
    const t0 = performance.now();
    this.inFlight++;
    this.updatePause();
    void this.execute(type, body)
      .then((result) => {
        this.counters.latency(isCommandType(type) ? type : "unknown").observe((performance.now() - t0) / 1000);
        if (!result.ok) this.gw.metrics.errors.inc({ code: result.error.code });
        return this.outbound.sendReply(id, result).then(() => {
          // A signed-out socket is closed only after the client has its reply.
          if (type === "auth.logout" && result.ok) this.close(CLOSE.SESSION_REVOKED, "signed out");
          if (this.revokedWhileResuming) this.close(CLOSE.SESSION_REVOKED, "session revoked");
          if (this.overCap && spec?.authenticates) {
            this.close(CLOSE.TOO_MANY_CONNECTIONS, "too many connections for this account");
          }
        });
      })
      // execute() returns failures as Results; this only guards against a bug escaping as a rejection.
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.inFlight--;
        this.updatePause();
        if (this.closingForRate && this.inFlight === 0) this.close(CLOSE.RATE_LIMITED, "too many commands");
      });
  }

  private async execute(type: string, body: unknown): Promise<ForwardedReply> {
    const admitted = this.admission.admit(type, body, this.state === "user");
    if (!admitted.ok) {
      // Closed only once the commands already forwarded have their replies: closing at once dropped
      // the replies of commands that had run (a flood stored 60 messages and acknowledged 16).
      if (this.admission.flooding && !this.closingForRate) {
        this.closingForRate = true;
        this.updatePause();
      }
      return admitted;
    }
    if (type === "auth.logout") this.loggingOut = true;
    const signingIn = admitted.spec.authenticates === true && this.state === "anonymous";
    if (signingIn) this.signInDeadline.signInSent();
    const sentAt = performance.now();
    try {
      const result = await forwardCommand(this.gw.requests, this.log, admitted.type, this.context(), admitted.body);
      if (signingIn)
        this.signInDeadline.signInAnswered(
          !result.ok && AUTH_QUEUEING.has(result.error.code) ? (result.error.retryAfterMs ?? 0) : undefined,
        );
      if (result.ok && admitted.spec.authenticates)
        return this.signIn(result, type === "auth.resume" ? sentAt : undefined);
      // A password change revoked every session, this one too, and moved this connection to a new
      // one: later commands must carry it (auth.renewTicket, auth.logout check the session).
      if (result.ok && type === "auth.changePassword")
        this.sessionId = passwordChangedSchema.parse(result.value).sessionId;
      return result;
    } finally {
      this.admission.done();
      if (type === "auth.logout") this.loggingOut = false;
    }
  }

  /** `resumeSentAt`: when the auth.resume was sent, to catch a revocation that overtook its reply. */
  private signIn(result: Result<unknown> & { ok: true }, resumeSentAt?: number): Result<unknown> {
    if (this.state !== "anonymous") return fail(new AppError("CONFLICT"));
    const grant = sessionGrantSchema.parse(result.value);
    if (this.gw.users.count(grant.user.id) >= this.gw.config.maxConnectionsPerUser) {
      // The grant (and its fresh ticket) still reaches the client, which would otherwise lose its
      // session; the socket then closes with a code after which the SDK backs off.
      this.overCap = true;
      return result;
    }
    this.userId = grant.user.id;
    this.sessionId = grant.sessionId;
    this.state = "user";
    this.signInDeadline.stop();
    this.gw.metrics.connections.dec({ state: "anonymous" });
    this.gw.metrics.connections.inc({ state: "user" });
    this.gw.users.add(this);
    this.log.info({ userId: this.userId }, "signed in");
    // Only a resume: a login's or registration's session is new, and a revocation of all the user's
    // sessions that arrived meanwhile may have committed before it was created.
    if (
      resumeSentAt !== undefined &&
      this.gw.revocations.covers(grant.user.id, grant.sessionId, this.id, resumeSentAt)
    ) {
      this.revokedWhileResuming = true;
    }
    return result;
  }

  private context(): RequestContext {
    return {
      gatewayId: this.gw.gatewayId,
      connId: this.id,
      ip: this.ip,
      ...(this.userId === undefined ? {} : { userId: this.userId, sessionId: this.sessionId }),
    };
  }

  /** Sends an event from a service; `droppable` events go first when the client reads slowly. */
  sendEvent(type: string, body: unknown, droppable: boolean): void {
    if (this.state !== "user") return;
    this.outbound.sendEvent(type, body, droppable);
  }

  /**
   * Sends an event already serialized as a ServerMessage: a group message reaches every member's
   * socket here, and serializing it once for all of them is most of the saving (see users.ts).
   */
  sendEventBytes(bytes: Uint8Array, droppable: boolean): void {
    if (this.state !== "user") return;
    this.outbound.sendEventBytes(bytes, droppable);
  }

  /** Revocation broadcasts skip a connection whose own logout reply is still on its way. */
  revoke(): void {
    if (!this.loggingOut) this.close(CLOSE.SESSION_REVOKED, "session revoked");
  }

  private fail(err: unknown): void {
    if (err instanceof SessionError) {
      if (this.state === "hello" || this.state === "finished") this.gw.metrics.handshakes.inc({ outcome: "failed" });
      this.log.info({ reason: err.message, code: err.closeCode }, "protocol failure");
      return this.close(err.closeCode, err.message);
    }
    this.log.error({ err }, "connection failed");
    this.close(CLOSE.INTERNAL_ERROR, "internal error");
  }

  /** Closes after everything already queued for sending has been sent. */
  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.markClosed();
    this.gw.metrics.closes.inc({ code: String(code) });
    void this.outbound.idle.finally(() => {
      this.ws.close(code, reason.slice(0, 120));
      setTimeout(() => this.ws.terminate(), 2000).unref();
    });
  }

  ping(): void {
    this.ws.ping();
  }

  terminate(): void {
    this.markClosed();
    this.ws.terminate();
  }

  private markClosed(): void {
    if (this.state === "closed") return;
    const label = this.state === "user" ? "user" : this.state === "anonymous" ? "anonymous" : "handshake";
    this.gw.metrics.connections.dec({ state: label });
    this.state = "closed";
    this.outbound.end();
    this.signInDeadline.stop();
    for (const t of this.timers) clearTimeout(t);
    if (this.userId !== undefined) this.gw.users.remove(this);
  }

  private onClosed(code: number): void {
    this.markClosed();
    this.gw.onConnectionClosed(this);
    this.log.info({ code, userId: this.userId }, "connection closed");
  }
}
