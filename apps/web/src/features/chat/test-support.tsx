/**
 * Component-test wiring for the chat: the real ChatStore, PeopleStore and Notifier over a fake
 * client at the SDK boundary (commands answered by per-test handlers, events emitted by the test).
 */
import type { ReactElement } from "react";
import type { RouteObject } from "react-router";
import { act, render } from "@testing-library/react";
import type { PublicUser } from "@sealroom/proto/auth";
import type { CommandType, CommandValue } from "@sealroom/proto/commands";
import { AppError, type ErrorCode, type Result } from "@sealroom/proto/errors";
import {
  ChatStore,
  MemoryE2eStateStore,
  MemorySearchIndexStore,
  MemoryTicketStore,
  type E2eStatus,
  type SealroomClient,
  type TextEntry,
} from "@sealroom/sdk/browser";
import { I18nProvider } from "../../i18n/I18nProvider.js";
import type { Language } from "../../i18n/languages.js";
import { SealroomProvider } from "../../state/context.js";
import { SessionController } from "../../state/session.js";
import { FakeClient, FakePinStore, HOST, KEY_A, serverKey } from "../../test/fakes.js";
import { inRouter } from "../../test/router.js";
import { ChatProvider } from "./context.js";
import { DraftStore } from "./drafts.js";
import { Notifier } from "./notifications.js";
import { PeopleStore } from "./people.js";
import type { ChatServices } from "./services.js";

export const ME: PublicUser = { id: 1, username: "alice" };
export const BOB: PublicUser = { id: 2, username: "bob" };
export const CAROL: PublicUser = { id: 3, username: "carol" };
export const DM_BOB = "dm:1:2";

type Handler = (body: Record<string, unknown>) => unknown;

export class ChatFakeClient extends FakeClient {
  override user: PublicUser | undefined = ME;
  /** The session the end-to-end engine registers its device for (set by chatHarness with e2e). */
  sessionId: string | undefined;
  readonly commands: Record<string, Handler> = {
    "chat.conversations": () => ({ conversations: [] }),
    "social.overview": () => ({ friends: [] }),
    "chat.receipts": (b) => ({ conversationId: b.conversationId, receipts: [] }),
    "chat.markRead": (b) => ({
      conversationId: b.conversationId,
      read: { readSeq: b.seq, unread: 0, countedSeq: b.seq },
    }),
    "chat.typing": () => ({}),
  };
  readonly sent: { type: string; body: Record<string, unknown> }[] = [];

  override async call<T extends CommandType>(type: T, body: unknown): Promise<Result<CommandValue<T>>> {
    const b = body as Record<string, unknown>;
    this.sent.push({ type, body: b });
    const handler = this.commands[type];
    if (!handler) return { ok: false as const, error: new AppError("UNKNOWN_COMMAND").toJSON() };
    try {
      // Fixtures hold only what a test's screen reads, so they are not parsed as the SDK would.
      return { ok: true as const, value: (await handler(b)) as CommandValue<T> };
    } catch (err) {
      return { ok: false as const, error: (err instanceof AppError ? err : new AppError("INTERNAL")).toJSON() };
    }
  }

  override async request<T extends CommandType>(type: T, body: unknown): Promise<CommandValue<T>> {
    const r = await this.call(type, body);
    if (!r.ok) throw AppError.from(r.error);
    return r.value;
  }

  /** Commands of one type sent so far. */
  bodies(type: string) {
    return this.sent.filter((s) => s.type === type).map((s) => s.body);
  }
}

export const refuse = (code: ErrorCode) => () => {
  throw new AppError(code);
};

export function text(seq: number, senderId: number, body: string, opts: Partial<TextEntry> = {}): TextEntry {
  return {
    kind: "text",
    id: 100 + seq,
    conversationId: DM_BOB,
    seq,
    ts: Date.UTC(2026, 10, 28, 9, seq),
    senderId,
    clientMsgId: `c${seq}`,
    text: body,
    editedTs: null,
    deletedTs: null,
    ...opts,
  };
}

export function dmSummary(
  peer: PublicUser,
  lastSeq: number,
  lastActivityTs: number,
  unread = 0,
  last: TextEntry | null = null,
) {
  const conversationId = `dm:${Math.min(ME.id, peer.id)}:${Math.max(ME.id, peer.id)}`;
  return {
    conversationId,
    kind: "dm",
    peer,
    group: null,
    lastSeq,
    lastActivityTs,
    visibleFromSeq: 0,
    last: last ? { ...last, conversationId } : null,
    read: { readSeq: lastSeq - unread, unread, countedSeq: lastSeq },
  };
}

export function groupSummary(id: number, name: string, lastSeq: number, lastActivityTs: number, unread = 0) {
  return {
    conversationId: `group:${id}`,
    kind: "group",
    peer: null,
    group: { id, name, disbanded: false },
    lastSeq,
    lastActivityTs,
    visibleFromSeq: 0,
    last: null,
    read: { readSeq: lastSeq - unread, unread, countedSeq: lastSeq },
  };
}

/** social.groups.get's answer for a group of the user, bob ("Bobby") and carol ("Caro"), all members. */
export function trioGroupDetails() {
  return {
    group: {},
    role: "owner",
    members: [ME, BOB, CAROL].map((user) => ({
      user,
      role: "member",
      joinedAt: 0,
      presence: { online: false, lastSeenAt: null },
    })),
    invites: [],
    profiles: [
      { user: CAROL, displayName: "Caro", about: null, avatar: null },
      { user: BOB, displayName: "Bobby", about: null, avatar: null },
    ],
  };
}

export interface ChatHarness {
  client: ChatFakeClient;
  services: ChatServices;
  store: ChatStore;
  /** Emits an event from the server, as the SDK client would. */
  event(type: string, body: unknown): void;
}

/** An entry as the SDK's end-to-end engine surfaces it: a text entry with how it was read. */
export function encrypted(entry: TextEntry, e2e: E2eStatus): TextEntry {
  return Object.assign({ ...entry }, { e2e });
}

/**
 * `e2e`: the store runs the SDK's real end-to-end engine (a real device key pair, state in memory);
 * the fake client registers the device and reports a full KeyPackage stock, so none is made.
 */
export async function chatHarness(
  setup: (client: ChatFakeClient) => void = () => undefined,
  opts: { e2e?: boolean; search?: boolean } = {},
): Promise<ChatHarness> {
  const client = new ChatFakeClient();
  if (opts.e2e) {
    client.sessionId = "session-1";
    client.commands["auth.keys.registerDevice"] = () => ({ deviceId: "device-1" });
    client.commands["auth.keys.stock"] = () => ({ oneTime: 100, lastResort: true });
    client.commands["chat.mls.welcomes"] = () => ({ welcomes: [], more: false });
  }
  setup(client);
  client.state = "ready";
  const store = new ChatStore(client as unknown as SealroomClient, {
    gapDelayMs: 10,
    outbox: { initialDelayMs: 10, maxDelayMs: 20 },
    e2e: opts.e2e ? { store: new MemoryE2eStateStore(), deviceName: "Test browser" } : false,
    ...(opts.search ? { search: { store: new MemorySearchIndexStore(), saveDelayMs: 10 } } : {}),
  });
  const people = new PeopleStore(client as unknown as SealroomClient);
  const notifier = new Notifier(client as unknown as SealroomClient, undefined);
  const services: ChatServices = { chat: store, people, drafts: new DraftStore(memoryStorage()), notifier };
  store.start();
  people.start();
  await act(() => store.whenUpToDate());
  return { client, services, store, event: (type, body) => act(() => client.emit("event", type, body)) };
}

/** `ui` inside the chat's providers and a hash router (or the given routes, e.g. the app's). */
export async function renderChat(ui: ReactElement | RouteObject[], h: ChatHarness, language: Language = "en") {
  const pins = new FakePinStore();
  pins.pins.set(HOST, KEY_A);
  const session = new SessionController({
    client: h.client,
    pins,
    tickets: new MemoryTicketStore(),
    host: HOST,
    fetchServerKey: async () => serverKey(KEY_A),
    defer: (fn) => fn(),
  });
  // Without a stored ticket the controller settles on "signed out"; the sign-in then moves it on.
  await act(() => session.start());
  act(() => h.client.emit("signedIn", ME));
  return render(
    <I18nProvider language={language}>
      <SealroomProvider value={{ client: h.client, session, host: HOST, chat: h.services }}>
        <ChatProvider value={h.services}>{inRouter(ui)}</ChatProvider>
      </SealroomProvider>
    </I18nProvider>,
  );
}

function memoryStorage(): Pick<Storage, "getItem" | "setItem" | "removeItem"> {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

/** Lets promises and the store's microtask-batched notifications settle. */
export const settle = () => act(() => new Promise<void>((r) => setTimeout(r, 20)));
