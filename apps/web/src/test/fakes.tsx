/** Test doubles at the SDK boundary: a client that records calls and lets a test emit its events. */
import type { ReactElement } from "react";
import { render } from "@testing-library/react";
import type { RouteObject } from "react-router";
import { inRouter } from "./router.js";
import type { PublicUser } from "@sealroom/proto/auth";
import type { CommandBody, CommandType, CommandValue } from "@sealroom/proto/commands";
import type { Result } from "@sealroom/proto/errors";
import { AppError, MemoryTicketStore, type ClientEvents, type ConnectionState } from "@sealroom/sdk/browser";
import { I18nProvider } from "../i18n/I18nProvider.js";
import type { Language } from "../i18n/languages.js";
import { SealroomProvider } from "../state/context.js";
import type { ServerKeyInfo } from "../state/server-key.js";
import { SessionController, type ClientLike, type PinStoreLike } from "../state/session.js";

export const KEY_A = "a".repeat(8) + "0123456789abcdef".repeat(3) + "b".repeat(8);
export const KEY_B = "c0ffee00" + "0123456789abcdef".repeat(3) + "d".repeat(8);
export const ALICE: PublicUser = { id: 1, username: "alice" };

type Handler = (...args: never[]) => void;

export class FakeClient implements ClientLike {
  state: ConnectionState = "idle";
  user: PublicUser | undefined;
  readonly calls: string[] = [];
  /** What login/register/logout/changePassword do; a test replaces them. */
  authImpl: (username: string, password: string) => Promise<PublicUser> = async (username) => ({ id: 1, username });
  logoutImpl: () => Promise<void> = async () => undefined;
  changePasswordImpl: (cur: string, next: string) => Promise<void> = async () => undefined;
  private readonly handlers = new Map<string, Set<Handler>>();

  on<K extends keyof ClientEvents>(event: K, handler: (...args: ClientEvents[K]) => void): () => void {
    let set = this.handlers.get(event as string);
    if (!set) this.handlers.set(event as string, (set = new Set()));
    set.add(handler as unknown as Handler);
    return () => set.delete(handler as unknown as Handler);
  }

  emit<K extends keyof ClientEvents>(event: K, ...args: ClientEvents[K]): void {
    for (const h of this.handlers.get(event as string) ?? [])
      (h as unknown as (...a: ClientEvents[K]) => void)(...args);
  }

  setState(state: ConnectionState): void {
    this.state = state;
    this.emit("state", state);
  }

  async connect(): Promise<void> {
    this.calls.push("connect");
    this.setState("connected");
  }

  reconnect(): void {
    this.calls.push("reconnect");
    this.setState("connecting");
  }

  close(): void {
    this.calls.push("close");
    this.setState("idle");
  }

  async login(username: string, password: string): Promise<PublicUser> {
    this.calls.push(`login:${username}`);
    return this.signIn(await this.authImpl(username, password));
  }

  async register(username: string, password: string): Promise<PublicUser> {
    this.calls.push(`register:${username}`);
    return this.signIn(await this.authImpl(username, password));
  }

  async logout(opts: { everywhere?: boolean } = {}): Promise<void> {
    this.calls.push(`logout:${opts.everywhere ? "everywhere" : "this"}`);
    await this.logoutImpl();
    this.emit("signedOut", "logout");
  }

  async changePassword(cur: string, next: string): Promise<void> {
    this.calls.push("changePassword");
    await this.changePasswordImpl(cur, next);
  }

  /** The account screens send no other commands; the social store's reads fail as if offline. */
  async request<T extends CommandType>(_type: T, _body: CommandBody<T>): Promise<CommandValue<T>> {
    throw new AppError("UNAVAILABLE");
  }

  async call<T extends CommandType>(_type: T, _body: unknown): Promise<Result<CommandValue<T>>> {
    return { ok: false, error: new AppError("UNAVAILABLE").toJSON() };
  }

  private signIn(user: PublicUser): PublicUser {
    this.user = user;
    this.setState("ready");
    this.emit("signedIn", user);
    return user;
  }
}

export class FakePinStore implements PinStoreLike {
  readonly pins = new Map<string, string>();
  readonly log: string[] = [];
  get(host: string) {
    return this.pins.get(host);
  }
  set(host: string, keyId: string) {
    this.log.push(`set:${keyId.slice(0, 8)}`);
    this.pins.set(host, keyId);
  }
  forget(host: string) {
    this.log.push("forget");
    this.pins.delete(host);
  }
}

export const HOST = "chat.example:8080";

export function serverKey(keyId: string): ServerKeyInfo {
  return { keyId, fingerprint: (keyId.match(/.{4}/g) ?? []).join(":") };
}

export interface Harness {
  client: FakeClient;
  pins: FakePinStore;
  tickets: MemoryTicketStore;
  session: SessionController;
}

export function createHarness(opts: { pinned?: string; presented?: string | Error; ticket?: boolean } = {}): Harness {
  const client = new FakeClient();
  const pins = new FakePinStore();
  if (opts.pinned) pins.pins.set(HOST, opts.pinned);
  const tickets = new MemoryTicketStore();
  if (opts.ticket) tickets.save({ ticket: "t".repeat(43), expiresAt: Date.now() + 60_000 });
  const presented = opts.presented ?? opts.pinned ?? KEY_A;
  const session = new SessionController({
    client,
    pins,
    tickets,
    host: HOST,
    fetchServerKey: async () => {
      if (presented instanceof Error) throw presented;
      return serverKey(presented);
    },
    defer: (fn) => fn(),
  });
  return { client, pins, tickets, session };
}

/** `ui` inside the session's providers and a hash router (or the given routes). */
export function renderWith(ui: ReactElement | RouteObject[], h: Harness, language: Language = "en") {
  return render(
    <I18nProvider language={language}>
      <SealroomProvider value={{ client: h.client, session: h.session, host: HOST }}>{inRouter(ui)}</SealroomProvider>
    </I18nProvider>,
  );
}
