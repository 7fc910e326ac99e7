/**
 * For component tests: a real SocialStore over a scripted client (the SDK boundary), so the screens
 * run the store's own logic while each command's reply is chosen by the test.
 */
import type { ReactElement } from "react";
import {
  AppError,
  SocialStore,
  type Overview,
  type SocialSnapshot,
  type SocialStoreClient,
} from "@sealroom/sdk/browser";
import type { MyGroup } from "@sealroom/proto/social";
import { createHarness, renderWith } from "../../test/fakes.js";
import { SocialProvider } from "./context.js";

type Handler = (body: Record<string, unknown>) => unknown;

export const ME = { id: 1, username: "me" };
export const EMPTY_OVERVIEW: Overview = {
  friends: [],
  incoming: [],
  outgoing: [],
  blocked: [],
  invitations: [],
  groups: [],
  notices: [],
  me: { user: ME, displayName: null, about: null, avatar: null },
  profiles: [],
};

export class ScriptedClient {
  state = "ready" as const;
  user = ME;
  readonly sent: { type: string; body: Record<string, unknown> }[] = [];
  handlers: Record<string, Handler> = {};
  private readonly listeners = new Map<string, Set<(...args: unknown[]) => void>>();

  constructor(overview: Partial<Overview> = {}) {
    this.handlers["social.overview"] = () => ({ ...EMPTY_OVERVIEW, ...overview });
  }

  on(event: string, handler: (...args: unknown[]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  emitEvent(type: string, body: unknown): void {
    for (const h of this.listeners.get("event") ?? []) h(type, body);
  }

  async request(type: string, body: Record<string, unknown>): Promise<unknown> {
    this.sent.push({ type, body });
    const handler = this.handlers[type];
    if (!handler) throw new AppError("UNKNOWN_COMMAND");
    return handler(body);
  }

  async call(type: string, body: Record<string, unknown>) {
    try {
      return { ok: true as const, value: await this.request(type, body) };
    } catch (err) {
      return { ok: false as const, error: (err instanceof AppError ? err : new AppError("INTERNAL")).toJSON() };
    }
  }

  /** Commands sent, without the store's own reads. */
  actions(): string[] {
    return this.sent.filter((s) => s.type !== "social.overview" && s.type !== "social.groups.get").map((s) => s.type);
  }
}

const storeOver = (client: ScriptedClient) => new SocialStore(client as unknown as SocialStoreClient);

export async function renderSocial(ui: ReactElement, client: ScriptedClient) {
  const store = storeOver(client);
  store.start();
  await store.load();
  const h = createHarness();
  const result = renderWith(
    <SocialProvider store={store} me={ME.id}>
      {ui}
    </SocialProvider>,
    h,
  );
  return { ...result, store };
}

/** A whole snapshot from the parts a test cares about, so the type checker sees every field. */
export function socialSnapshot(parts: Partial<SocialSnapshot> = {}): SocialSnapshot {
  return {
    status: "ready",
    friends: [],
    incoming: [],
    outgoing: [],
    blocked: [],
    invitations: [],
    groups: [],
    notices: [],
    groupDetails: {},
    goneGroups: {},
    me: undefined,
    profiles: {},
    ...parts,
  };
}

/** A group in the viewer's list, as a member. */
export function myGroup(id: number, name: string): MyGroup {
  return {
    id,
    name,
    ownerId: ME.id,
    memberCount: 2,
    version: 1,
    createdAt: 1,
    disbandedAt: null,
    topic: "",
    avatar: null,
    role: "member",
  };
}

/**
 * For screens that only read the social store: a real SocialStore (every method exists; a command
 * nobody scripted fails with UNKNOWN_COMMAND) that shows the snapshot given, and `show` changes it.
 */
export function showingSocial(parts: Partial<SocialSnapshot> = {}) {
  const store = storeOver(new ScriptedClient());
  let snapshot = socialSnapshot(parts);
  const listeners = new Set<() => void>();
  store.subscribe = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  store.getSnapshot = () => snapshot;
  return {
    store,
    show(next: Partial<SocialSnapshot>) {
      snapshot = socialSnapshot(next);
      for (const listener of listeners) listener();
    },
  };
}
