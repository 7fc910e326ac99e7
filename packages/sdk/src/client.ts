/**
 * SealroomClient: a signed-in, self-healing connection to a Sealroom deployment. It reconnects with
 * exponential backoff and full jitter (rotating through the gateway URLs), re-runs the handshake
 * with a fresh ephemeral key and resumes the session with its single-use ticket.
 */
import type { PublicUser, SessionGrant, TicketGrant } from "@sealroom/proto/auth";
import { CLOSE, FINAL_CLOSE_CODES } from "@sealroom/proto/close-codes";
import { commandValueSchema, type CommandBody, type CommandType, type CommandValue } from "@sealroom/proto/commands";
import { AppError, type Result } from "@sealroom/proto/errors";
import { parseUntrusted } from "@sealroom/proto/parse";
import type { CryptoBackend } from "@sealroom/proto/session";
import { Emitter } from "./emitter.js";
import { Link, type SocketFactory } from "./link.js";
import { KeyMismatchError, KeyRejectedError, verifyPin, type PinPolicy } from "./pins.js";
import { MemoryTicketStore, type StoredTicket, type TicketStore } from "./tickets.js";
import { TransportTickets } from "./transport-tickets.js";

export type ConnectionState =
  /**
   * Not connected and not trying: not started, closed by the application, or signed out (after a
   * logout or revocation, or when an anonymous connection timed out). The next command reconnects.
   */
  | "idle"
  /** Opening the socket and running the handshake. */
  | "connecting"
  /** Encrypted channel up, not signed in. */
  | "connected"
  /** Signed in. */
  | "ready"
  /** Lost the connection; waiting to retry. */
  | "reconnecting"
  /** Stopped for good: the server key did not match the pin. */
  | "failed";

export type SignedOutReason = "logout" | "revoked" | "ticket-invalid";

export interface ClientEvents extends Record<string, unknown[]> {
  state: [ConnectionState];
  event: [type: string, body: unknown];
  signedIn: [user: PublicUser];
  signedOut: [reason: SignedOutReason];
  /**
   * A password change moved this connection to a new session (the others were signed out): what
   * is bound to the session, such as the end-to-end device, moves with it.
   */
  sessionMoved: [from: string | undefined, to: string];
  /** A fatal error (key mismatch); the client stays in "failed". */
  error: [Error];
}

export interface ClientOptions {
  /** Gateway WebSocket URLs (ws://host:port/ws); tried in turn. */
  urls: string[];
  backend: CryptoBackend;
  socketFactory: SocketFactory;
  pins: PinPolicy;
  tickets?: TicketStore;
  /** Per command, and for waiting until the connection is up. Default 10 s. */
  requestTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  random?: () => number;
}

/**
 * The SDK's trust boundary for replies: a success is parsed with the command's value schema once,
 * here, so everything after it holds the contract's types. A value that does not match is a
 * protocol error, reported like the gateway reports a service reply that breaks the contract
 * (INTERNAL), with the first offending field in the message.
 */
function replyOf<T extends CommandType>(type: T, result: Result<unknown>): Result<CommandValue<T>> {
  if (!result.ok) return result;
  const parsed = parseUntrusted(commandValueSchema(type), result.value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const path = parsed.error.issues[0]?.path.join(".") || "value";
  return {
    ok: false,
    error: new AppError("INTERNAL", `The server's reply does not match the protocol: ${path}.`).toJSON(),
  };
}

/** How long a connection must last before a drop counts as a fresh start for backoff. */
const STABLE_AFTER_MS = 10_000;

export class SealroomClient extends Emitter<ClientEvents> {
  private link: Link | undefined;
  /** Transport resumption tickets, per gateway key: reconnects skip the gateway's RSA operation. */
  private readonly transportTickets = new TransportTickets();
  private stateValue: ConnectionState = "idle";
  private attempt = 0;
  /** Which gateway URL to try next; advances on every drop, so a dead gateway is left behind. */
  private urlIndex = 0;
  private stopped = true;
  /** Signed out and disconnected on purpose: no reconnect until the application sends a command. */
  private dormant = false;
  /** A server's retry hint (e.g. AUTH_BUSY), honoured by the next reconnect delay. */
  private minDelayMs = 0;
  /** auth.resume is in flight: its reply carries the only valid ticket. */
  private resuming = false;
  /** When the current connection became usable; backoff resets only once one has lasted. */
  private usableSince = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly tickets: TicketStore;
  /** The ticket this client last loaded or saved: the only one it may forget when signed out. */
  private ownTicket: string | undefined;
  private readonly timeoutMs: number;
  user: PublicUser | undefined;
  /**
   * The signed-in session's id (from the grant): a resumed connection keeps it. The end-to-end
   * engine registers one device per session (docs/E2E.md section 3).
   */
  sessionId: string | undefined;
  /** The fatal error that stopped the client, if any. */
  failure: Error | undefined;

  constructor(private readonly opts: ClientOptions) {
    super();
    if (opts.urls.length === 0) throw new Error("at least one gateway URL is required");
    this.tickets = opts.tickets ?? new MemoryTicketStore();
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Starts connecting (and resuming, with a stored ticket); resolves once connected or ready. */
  async connect(): Promise<void> {
    if (this.stopped) {
      this.stopped = false;
      this.failure = undefined;
      this.attempt = 0;
      void this.open();
    } else {
      this.wake();
    }
    await this.until((s) => s === "connected" || s === "ready", this.timeoutMs);
  }

  /** Closes the connection and stops reconnecting. The stored ticket is kept for next time. */
  close(): void {
    this.stopped = true;
    // A client put to sleep (after logout) and then closed must not also be woken by the next
    // command after connect(): that opened a second, orphaned connection.
    this.dormant = false;
    clearTimeout(this.retryTimer);
    clearTimeout(this.renewTimer);
    this.link?.close(CLOSE.NORMAL, "client closed");
    this.link = undefined;
    this.setState("idle");
  }

  /**
   * Reconnects now: drops the current connection (e.g. after the network changed), or, while
   * waiting to retry, skips the rest of the backoff. An attempt whose resume is in flight is left to
   * finish: dropping it would lose the reply and with it the ticket the server already spent, and
   * the next attempt's reuse of the old ticket would revoke the session.
   */
  reconnect(): void {
    if (this.stopped || this.resuming) return;
    this.attempt = 0;
    if (this.link) this.link.close(CLOSE.NORMAL, "reconnecting");
    else if (this.dormant) this.wake();
    else {
      clearTimeout(this.retryTimer);
      void this.open();
    }
  }

  private wake(): void {
    if (this.stopped || !this.dormant) return;
    this.dormant = false;
    this.attempt = 0;
    void this.open();
  }

  /** Disconnects without reconnecting; the next command wakes the client. */
  private sleep(): void {
    this.dormant = true;
    clearTimeout(this.retryTimer);
    const link = this.link;
    this.link = undefined;
    link?.close(CLOSE.NORMAL, "signed out");
    this.setState("idle");
  }

  async register(username: string, password: string): Promise<PublicUser> {
    return this.adopt(await this.request("auth.register", { username, password }));
  }

  async login(username: string, password: string): Promise<PublicUser> {
    return this.adopt(await this.request("auth.login", { username, password }));
  }

  /** Signs out this session (or every session of the user). */
  async logout(opts: { everywhere?: boolean } = {}): Promise<void> {
    await this.request("auth.logout", { everywhere: opts.everywhere ?? false });
    await this.signedOut("logout");
    // The gateway closes this socket with SESSION_REVOKED; a later command opens a fresh one.
    this.sleep();
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const changed = await this.request("auth.changePassword", { currentPassword, newPassword });
    const from = this.sessionId;
    this.sessionId = changed.sessionId;
    await this.storeTicket(changed);
    if (from !== changed.sessionId) this.emit("sessionMoved", from, changed.sessionId);
  }

  /** Sends a command and waits for its reply; rejects with a typed AppError. */
  async request<T extends CommandType>(type: T, body: CommandBody<T>): Promise<CommandValue<T>> {
    const result = await this.call(type, body);
    if (!result.ok) throw AppError.from(result.error);
    return result.value;
  }

  /**
   * Like request(), but returns the Result instead of throwing. The body is not checked here (the
   * gateway validates it, and tests send invalid ones on purpose); the reply is, see `replyOf`.
   */
  async call<T extends CommandType>(type: T, body: unknown): Promise<Result<CommandValue<T>>> {
    this.wake();
    try {
      await this.until((s) => s === "connected" || s === "ready", this.timeoutMs);
    } catch {
      return { ok: false, error: new AppError("UNAVAILABLE", "Not connected.").toJSON() };
    }
    return replyOf(type, await this.link!.request(type, body, this.timeoutMs));
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    const url = this.opts.urls[this.urlIndex % this.opts.urls.length]!;
    const host = new URL(url).host;
    const link = new Link(
      this.opts.socketFactory(url),
      this.opts.backend,
      (_spki, keyId) => verifyPin(this.opts.pins, host, keyId),
      {
        onEvent: (type, body) => this.emit("event", type, body),
        onClose: (code, _reason, error) => this.onLinkClosed(link, code, error),
      },
      this.transportTickets,
    );
    this.link = link;
    // A gateway whose host vanished can leave the connection attempt hanging for minutes (no
    // refusal ever comes back): give it up after the request timeout, and try the next URL.
    const handshakeTimer = setTimeout(
      () => link.close(CLOSE.HEARTBEAT_TIMEOUT, "no answer from the gateway"),
      this.timeoutMs,
    );
    try {
      await link.ready;
    } catch {
      return; // onLinkClosed handles it
    } finally {
      clearTimeout(handshakeTimer);
    }
    await this.exclusive(() => this.resume(link));
  }

  /** Resumes with the stored ticket, if any (under the store's lock: see TicketStore.withLock). */
  private async resume(link: Link): Promise<void> {
    // The lock may have been waited for: this connection can be gone or replaced by now.
    if (this.link !== link) return;
    const stored = await this.tickets.load();
    this.ownTicket = stored?.ticket;
    if (!stored) {
      this.usableSince = Date.now();
      return this.setState("connected");
    }
    this.resuming = true;
    const resumed = await link.request("auth.resume", { ticket: stored.ticket }, this.timeoutMs).finally(() => {
      this.resuming = false;
    });
    const reply = replyOf("auth.resume", resumed);
    if (reply.ok) {
      this.usableSince = Date.now();
      await this.adopt(reply.value);
    } else if (reply.error.retryable) {
      // Keep backing off (the handshake worked, the session did not resume yet).
      this.minDelayMs = reply.error.retryAfterMs ?? 0;
      link.close(CLOSE.NORMAL, "resume failed, retrying");
    } else {
      this.usableSince = Date.now();
      await this.signedOut("ticket-invalid");
      this.setState("connected");
    }
  }

  private onLinkClosed(link: Link, code: number, error?: Error): void {
    if (this.link !== link) return;
    this.link = undefined;
    clearTimeout(this.renewTimer);
    if (error instanceof KeyMismatchError || error instanceof KeyRejectedError) {
      this.failure = error;
      this.stopped = true;
      this.setState("failed");
      this.emit("error", error);
      return;
    }
    if (this.stopped || this.dormant) return;
    if (FINAL_CLOSE_CODES.has(code)) {
      void this.signedOut("revoked");
      return this.sleep();
    }
    // An anonymous connection that nobody used timed out: reconnect when it is needed.
    if (code === CLOSE.HANDSHAKE_TIMEOUT && this.user === undefined) return this.sleep();
    this.setState("reconnecting");
    // A connection that lasted resets the backoff; one closed soon after opening (e.g. over the
    // account's connection cap) keeps backing off.
    if (this.usableSince > 0 && Date.now() - this.usableSince > STABLE_AFTER_MS) this.attempt = 0;
    this.usableSince = 0;
    const { initialDelayMs = 250, maxDelayMs = 30_000 } = this.opts.reconnect ?? {};
    const random = this.opts.random ?? Math.random;
    // A gateway going away is an invitation to move at once; everything else backs off.
    const ceiling =
      code === CLOSE.GOING_AWAY && this.attempt === 0 ? 50 : Math.min(maxDelayMs, initialDelayMs * 2 ** this.attempt);
    this.attempt++;
    this.urlIndex++;
    const delay = Math.max(this.minDelayMs, Math.round(random() * ceiling));
    this.minDelayMs = 0;
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }

  private async adopt(grant: SessionGrant): Promise<PublicUser> {
    this.user = grant.user;
    this.sessionId = grant.sessionId;
    await this.storeTicket(grant);
    this.setState("ready");
    this.emit("signedIn", grant.user);
    return grant.user;
  }

  private async storeTicket(grant: TicketGrant): Promise<void> {
    const stored: StoredTicket = { ticket: grant.ticket, expiresAt: grant.ticketExpiresAt };
    this.ownTicket = stored.ticket;
    await this.tickets.save(stored);
    this.scheduleRenewal(stored);
  }

  /** Renews the ticket halfway through its life, so a long-lived connection can always resume. */
  private scheduleRenewal(stored: StoredTicket): void {
    clearTimeout(this.renewTimer);
    const delay = Math.max(1000, (stored.expiresAt - Date.now()) / 2);
    this.renewTimer = setTimeout(
      () => {
        // Renewing replaces the session's unused ticket: another client sharing the store must not
        // be between its load and its resume meanwhile.
        void this.exclusive(async () => {
          const r = await this.call("auth.renewTicket", {});
          if (r.ok) await this.storeTicket(r.value);
        });
      },
      Math.min(delay, 2 ** 31 - 1),
    );
  }

  private exclusive(task: () => Promise<void>): Promise<void> {
    return this.tickets.withLock ? this.tickets.withLock(task) : task();
  }

  private async signedOut(reason: SignedOutReason): Promise<void> {
    clearTimeout(this.renewTimer);
    const wasSignedIn = this.user !== undefined || reason !== "revoked";
    this.user = undefined;
    this.sessionId = undefined;
    // Clients sharing the store (browser tabs) may have saved a newer ticket meanwhile: a tab on the
    // session that another tab's password change ended cleared that tab's fresh ticket.
    const stored = await this.tickets.load();
    if (stored === undefined || stored.ticket === this.ownTicket) await this.tickets.clear();
    this.ownTicket = undefined;
    if (wasSignedIn) this.emit("signedOut", reason);
  }

  private setState(state: ConnectionState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit("state", state);
  }

  /** Waits until the state satisfies `ok`; rejects on timeout or when the client fails or stops. */
  private until(ok: (s: ConnectionState) => boolean, timeoutMs: number): Promise<void> {
    if (ok(this.stateValue)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        off();
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => done(new AppError("UNAVAILABLE", "Could not connect.")), timeoutMs);
      const off = this.on("state", (s) => {
        if (ok(s)) done();
        else if (s === "failed") done(this.failure ?? new Error("connection failed"));
        else if (s === "idle") done(new AppError("UNAVAILABLE", "The client was closed."));
      });
    });
  }
}
