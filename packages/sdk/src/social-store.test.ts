/**
 * SocialStore orderings the real stack cannot produce on demand: events that arrive while the
 * overview is in flight, and group events racing the store's own reads. Behaviour against the real
 * stack is in test/social-store.test.ts.
 */
import { describe, expect, it } from "vitest";
import { AppError } from "@sealroom/proto/errors";
import type { GroupDetail, GroupEventView, Overview } from "@sealroom/proto/social";
import { SocialStore, roleAfter, type SocialStoreClient } from "./social-store.js";

const ME = { id: 1, username: "me" };
const AMY = { id: 2, username: "amy" };
const EMPTY: Overview = {
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

/** A signed-in client whose replies the test hands out one by one. */
function scripted() {
  const listeners = new Set<(type: string, body: unknown) => void>();
  const waiting: { type: string; resolve(v: unknown): void; reject(e: unknown): void }[] = [];
  const client = {
    state: "ready",
    user: ME,
    on(event: string, handler: (type: string, body: unknown) => void) {
      if (event !== "event") return () => undefined;
      listeners.add(handler);
      return () => listeners.delete(handler);
    },
    request(type: string, _body?: unknown) {
      return new Promise((resolve, reject) => waiting.push({ type, resolve, reject }));
    },
    async call(type: string, body: unknown) {
      try {
        return { ok: true, value: await client.request(type, body) };
      } catch (err) {
        return { ok: false, error: (err as AppError).toJSON() };
      }
    },
  };
  const next = async (type: string) => {
    for (let i = 0; i < 50 && !waiting.some((w) => w.type === type); i++) await new Promise((r) => setTimeout(r, 1));
    const at = waiting.findIndex((w) => w.type === type);
    if (at < 0) throw new Error(`no ${type} request; waiting: ${waiting.map((w) => w.type).join(", ")}`);
    return waiting.splice(at, 1)[0]!;
  };
  const emit = (type: string, body: unknown) => {
    for (const l of listeners) l(type, body);
  };
  const store = new SocialStore(client as unknown as SocialStoreClient);
  return { store, next, emit, pending: () => waiting.map((w) => w.type) };
}

const flush = () => new Promise((r) => setTimeout(r, 5));

describe("SocialStore", () => {
  it("replays events that arrived during the overview on top of it, in order", async () => {
    const { store, next, emit } = scripted();
    store.start();
    const overview = await next("social.overview");
    // The overview was read before these happened: a request arrived, then was withdrawn; another arrived.
    emit("social.friendRequest.received.v1", { request: { id: 7, from: AMY, to: ME, createdAt: 1 } });
    emit("social.friendRequest.removed.v1", { requestId: 7, reason: "cancelled" });
    emit("social.friendRequest.received.v1", { request: { id: 8, from: AMY, to: ME, createdAt: 2 } });
    expect(store.getSnapshot().status).toBe("loading");
    overview.resolve({ ...EMPTY, incoming: [{ id: 7, from: AMY, to: ME, createdAt: 1 }] });
    await flush();
    expect(store.getSnapshot().status).toBe("ready");
    expect(store.getSnapshot().incoming.map((r) => r.id)).toEqual([8]);
    store.stop();
  });

  it("a group it does not list yet (joined on another device) is read, with the viewer's role", async () => {
    const { store, next, emit } = scripted();
    store.start();
    (await next("social.overview")).resolve(EMPTY);
    await flush();
    const group = {
      id: 5,
      name: "Trip",
      ownerId: AMY.id,
      memberCount: 2,
      version: 3,
      createdAt: 1,
      disbandedAt: null,
      topic: "",
      avatar: null,
    };
    const event: GroupEventView = {
      id: 3,
      groupId: 5,
      type: "joined",
      actor: ME,
      target: ME,
      role: "member",
      createdAt: 2,
    };
    emit("social.group.updated.v1", { group, event });
    const detail: GroupDetail = { group, role: "member", members: [], invites: [], profiles: [] };
    (await next("social.groups.get")).resolve(detail);
    await flush();
    expect(store.getSnapshot().groups).toEqual([{ ...group, role: "member" }]);

    // An older state arriving late does not roll the group back.
    emit("social.group.updated.v1", { group: { ...group, name: "Old", version: 2 }, event: { ...event, id: 2 } });
    await flush();
    expect(store.getSnapshot().groups[0]?.name).toBe("Trip");
    store.stop();
  });

  it("a failed overview leaves the store offline, not loading forever", async () => {
    const { store, next } = scripted();
    store.start();
    (await next("social.overview")).reject(new AppError("NOT_AUTHENTICATED"));
    await flush();
    expect(store.getSnapshot().status).toBe("offline");
    store.stop();
  });

  it("knows the viewer's role after role changes and transfers", () => {
    const ev = (
      type: GroupEventView["type"],
      actor: number,
      target: number,
      role?: "owner" | "admin" | "member",
    ): GroupEventView => ({
      id: 1,
      groupId: 1,
      type,
      actor: { id: actor, username: "x" },
      target: { id: target, username: "y" },
      ...(role ? { role } : {}),
      createdAt: 1,
    });
    expect(roleAfter("member", ev("role", 2, ME.id, "admin"), ME.id)).toBe("admin");
    expect(roleAfter("admin", ev("role", 2, 3, "member"), ME.id)).toBe("admin");
    expect(roleAfter("admin", ev("transferred", 2, ME.id, "owner"), ME.id)).toBe("owner");
    expect(roleAfter("owner", ev("transferred", ME.id, 3, "owner"), ME.id)).toBe("admin");
    expect(roleAfter("member", ev("kicked", 2, 3), ME.id)).toBe("member");
  });
});
