/**
 * For component tests: a real SocialStore over a scripted client (the SDK boundary), so the screens
 * run the store's own logic while each command's reply is chosen by the test.
 */
import type { ReactElement } from "react";
import { AppError, SocialStore, type Overview, type SocialStoreClient } from "@sealroom/sdk/browser";
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

export async function renderSocial(ui: ReactElement, client: ScriptedClient) {
  const store = new SocialStore(client as unknown as SocialStoreClient);
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
