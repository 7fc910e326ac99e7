/**
 * The app's session state machine around one SealroomClient: which screen the user is on (first
 * contact, key changed, restoring, signed out, signed in) and the actions that move between them.
 * Plain TypeScript with an external-store interface, so React reads it with useSyncExternalStore and
 * tests drive it with a fake client.
 */
import type { PublicUser } from "@sealroom/proto/auth";
import {
  KeyMismatchError,
  KeyRejectedError,
  normalizePin,
  type ConnectionState,
  type SealroomClient,
  type SignedOutReason,
  type TicketStore,
} from "@sealroom/sdk/browser";
import type { ServerKeyInfo } from "./server-key.js";
import { fingerprintOf } from "./server-key.js";

/** What the app uses of its client: the session's actions, and commands for the stores it makes. */
export type ClientLike = Pick<
  SealroomClient,
  | "connect"
  | "close"
  | "reconnect"
  | "login"
  | "register"
  | "logout"
  | "changePassword"
  | "on"
  | "state"
  | "user"
  | "request"
  | "call"
>;

export interface PinStoreLike {
  get(host: string): Promise<string | undefined> | string | undefined;
  set(host: string, keyIdHex: string): Promise<void> | void;
  forget(host: string): Promise<void> | void;
}

export type Notice = "logout" | "revoked" | "ticket-invalid" | "local-logout";

export type Phase =
  /** Reading the pin and asking the gateway for its key. */
  | { name: "starting" }
  /** No pin yet and the gateway's key could not be fetched. */
  | { name: "unreachable" }
  /** No pin yet: show the fingerprint and let the user decide. */
  | { name: "first-contact"; host: string; keyId: string; fingerprint: string }
  /** The gateway presented a key other than the pinned one. No sign-in is possible from here. */
  | { name: "key-changed"; host: string; expected: string; actual: string }
  /** A stored ticket is being used to sign back in. */
  | { name: "resuming" }
  | { name: "signed-out"; notice?: Notice }
  | { name: "signed-in"; user: PublicUser };

export interface SessionSnapshot {
  phase: Phase;
  /** The pinned key id (hex) for this host, when there is one. */
  pinnedKeyId: string | undefined;
}

export interface SessionDeps {
  client: ClientLike;
  pins: PinStoreLike;
  tickets: TicketStore;
  /** location.host: the key the SDK pins under. */
  host: string;
  fetchServerKey(): Promise<ServerKeyInfo>;
  /** Runs a callback after the current SDK event has fully unwound (default: a macrotask). */
  defer?(fn: () => void): void;
}

export type AuthMode = "signIn" | "register";

export class SessionController {
  private snapshot: SessionSnapshot = { phase: { name: "starting" }, pinnedKeyId: undefined };
  private readonly listeners = new Set<() => void>();
  private readonly disposers: (() => void)[] = [];
  private started = false;

  constructor(private readonly deps: SessionDeps) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): SessionSnapshot => this.snapshot;

  get phase(): Phase {
    return this.snapshot.phase;
  }

  /** Idempotent: wires the client's events and decides the first screen. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { client } = this.deps;
    this.disposers.push(
      client.on("signedIn", (user) => this.setPhase({ name: "signed-in", user })),
      client.on("signedOut", (reason) => this.onSignedOut(reason)),
      client.on("error", (err) => this.onFatal(err)),
    );
    await this.checkKey();
  }

  dispose(): void {
    for (const off of this.disposers.splice(0)) off();
    this.deps.client.close();
  }

  /** From "unreachable": ask the gateway for its key again. */
  async retry(): Promise<void> {
    await this.checkKey();
  }

  /** The user compared the first-contact fingerprint and continues: pin exactly that key. */
  async acceptFirstContact(): Promise<void> {
    const phase = this.snapshot.phase;
    if (phase.name !== "first-contact") return;
    await this.deps.pins.set(this.deps.host, phase.keyId);
    this.snapshot = { ...this.snapshot, pinnedKeyId: phase.keyId };
    await this.proceed();
  }

  /**
   * The user verified the new key with the operator: forget the old pin, pin the key they verified
   * (not whatever the next handshake presents), and reconnect.
   */
  async trustNewKey(): Promise<void> {
    const phase = this.snapshot.phase;
    if (phase.name !== "key-changed") return;
    await this.deps.pins.forget(phase.host);
    await this.deps.pins.set(phase.host, phase.actual);
    this.snapshot = { ...this.snapshot, pinnedKeyId: phase.actual };
    await this.proceed();
  }

  /**
   * Signs in or registers. The connection opens only for this (and while signed in): the gateway
   * closes anonymous connections after its handshake deadline, so keeping one open behind the form
   * would only churn. Rejects with the AppError for the form to show.
   */
  async authenticate(mode: AuthMode, username: string, password: string): Promise<void> {
    const { client } = this.deps;
    try {
      await client.connect();
      if (mode === "register") await client.register(username, password);
      else await client.login(username, password);
    } catch (err) {
      if (isOpenAnonymously(client.state)) client.close();
      throw err;
    }
  }

  /**
   * Logs out this session (or every session). If the server cannot be reached, this browser still
   * forgets its ticket; "everywhere" cannot be done locally, so its failure is reported instead.
   */
  async logout(everywhere: boolean): Promise<void> {
    try {
      await this.deps.client.logout({ everywhere });
    } catch (err) {
      if (everywhere) throw err;
      await this.deps.tickets.clear();
      this.deps.client.close();
      this.setPhase({ name: "signed-out", notice: "local-logout" });
    }
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.deps.client.changePassword(currentPassword, newPassword);
  }

  /** From "resuming": stop waiting for the saved session and show the sign-in form. */
  async abandonResume(): Promise<void> {
    this.deps.client.close();
    await this.deps.tickets.clear();
    this.setPhase({ name: "signed-out" });
  }

  private async checkKey(): Promise<void> {
    this.setPhase({ name: "starting" });
    const { pins, host } = this.deps;
    const pinned = (await pins.get(host)) ?? undefined;
    this.snapshot = { ...this.snapshot, pinnedKeyId: pinned };
    let presented: ServerKeyInfo | undefined;
    try {
      presented = await this.deps.fetchServerKey();
    } catch {
      presented = undefined; // unreachable: decided below
    }
    if (pinned === undefined) {
      if (!presented) return this.setPhase({ name: "unreachable" });
      return this.setPhase({ name: "first-contact", host, ...presented });
    }
    // An early warning only: the handshake itself verifies the pin, whatever /server-key says.
    if (presented && presented.keyId !== pinned) {
      return this.setPhase({ name: "key-changed", host, expected: pinned, actual: presented.keyId });
    }
    await this.proceed();
  }

  /** With a stored ticket, resume; otherwise show the sign-in form (connecting only on submit). */
  private async proceed(): Promise<void> {
    const stored = await this.deps.tickets.load();
    if (!stored) return this.setPhase({ name: "signed-out" });
    this.setPhase({ name: "resuming" });
    // connect() rejects when its wait times out, while the client keeps retrying with backoff; the
    // "signedIn", "signedOut" and "error" events move the phase on, and the state badge shows progress.
    this.deps.client.connect().catch(() => undefined);
  }

  private onSignedOut(reason: SignedOutReason): void {
    this.setPhase({ name: "signed-out", notice: reason });
    // Signed out, an anonymous connection has nothing left to do until the next submit (the SDK
    // already disconnects after logout and revocation; not after an expired ticket). Closing inside
    // the SDK's own event would race its state update, so close once the event has unwound.
    const defer = this.deps.defer ?? ((fn: () => void) => setTimeout(fn, 0));
    defer(() => {
      if (this.snapshot.phase.name === "signed-out" && isOpenAnonymously(this.deps.client.state))
        this.deps.client.close();
    });
  }

  private onFatal(err: Error): void {
    if (err instanceof KeyMismatchError) {
      this.setPhase({ name: "key-changed", host: err.host, expected: err.expected, actual: err.actual });
    } else if (err instanceof KeyRejectedError) {
      // The pin vanished between the page load and this handshake (storage cleared): ask again.
      const keyId = normalizePin(err.fingerprint);
      this.setPhase({ name: "first-contact", host: err.host, keyId, fingerprint: fingerprintOf(keyId) });
    }
  }

  private setPhase(phase: Phase): void {
    this.snapshot = { ...this.snapshot, phase };
    for (const listener of this.listeners) listener();
  }
}

/** Connected or on the way there, and not signed in: worth closing when nobody is signing in. */
function isOpenAnonymously(state: ConnectionState): boolean {
  return state === "connected" || state === "connecting" || state === "reconnecting";
}
