import { describe, expect, it, vi } from "vitest";
import type { TextEntry } from "@sealroom/proto/chat";
import { applyRead, newConv, type Conv } from "./conversation.js";
import { LiveEvents, routeEvent, type LiveEventsHost } from "./events.js";

const ME = 1;
const BOB = { id: 2, username: "bob" };
const DM = "dm:1:2";
const text: TextEntry = {
  kind: "text",
  id: 101,
  conversationId: DM,
  seq: 1,
  ts: 1000,
  senderId: BOB.id,
  clientMsgId: "c1",
  text: "hi",
  editedTs: null,
  deletedTs: null,
};

describe("routeEvent", () => {
  it("the user's settings of a conversation are a settings action; a malformed one is nothing", () => {
    const settings = { muted: { until: 5000 }, pinned: true, archived: false, markedUnread: true };
    expect(routeEvent("chat.settings.v1", { conversationId: DM, settings }, ME)).toEqual({
      kind: "settings",
      conversationId: DM,
      settings,
    });
    expect(routeEvent("chat.settings.v1", { conversationId: DM, settings: { pinned: "yes" } }, ME)).toBeUndefined();
  });

  it("a new message is an entry that also describes its conversation", () => {
    const body = { entry: text, sender: BOB, group: null, preview: "hi" };
    expect(routeEvent("chat.message.created.v1", body, ME)).toEqual({ kind: "entry", entry: text, described: body });
  });

  it("an MLS entry is an entry like a message (the log holds its seq); a Welcome notice is not the store's", () => {
    const entry = {
      kind: "mls.app",
      id: 103,
      conversationId: DM,
      seq: 3,
      ts: 3000,
      senderId: 2,
      clientMsgId: "c3",
      message: "AAEC",
    };
    const body = { entry, sender: BOB, group: null, preview: "" };
    expect(routeEvent("chat.message.created.v1", body, ME)).toEqual({ kind: "entry", entry, described: body });
    expect(routeEvent("chat.mls.welcome.v1", { conversationId: DM, deviceId: "d1" }, ME)).toBeUndefined();
  });

  it("an edit or deletion is an entry that describes nothing", () => {
    const entry = { kind: "delete", id: 102, conversationId: DM, seq: 2, ts: 2000, senderId: BOB.id, targetSeq: 1 };
    expect(routeEvent("chat.message.updated.v1", { entry }, ME)).toEqual({ kind: "entry", entry });
  });

  it("another participant's read pointer is a receipt", () => {
    const body = { conversationId: DM, userId: BOB.id, readSeq: 4 };
    expect(routeEvent("chat.read.v1", body, ME)).toEqual({ kind: "receipt", ...body });
  });

  it("the user's own read pointer is their read state, and nothing without one", () => {
    const read = { readSeq: 4, unread: 0, countedSeq: 4 };
    expect(routeEvent("chat.read.v1", { conversationId: DM, userId: ME, readSeq: 4, read }, ME)).toEqual({
      kind: "read",
      conversationId: DM,
      read,
    });
    expect(routeEvent("chat.read.v1", { conversationId: DM, userId: ME, readSeq: 4 }, ME)).toBeUndefined();
  });

  it("someone else typing is shown; the user's own typing (another device) is not", () => {
    expect(routeEvent("typing.started.v1", { conversationId: DM, user: BOB }, ME)).toEqual({
      kind: "typing",
      conversationId: DM,
      user: BOB,
    });
    expect(
      routeEvent("typing.started.v1", { conversationId: DM, user: { id: ME, username: "me" } }, ME),
    ).toBeUndefined();
  });

  it("a group removal names the group's conversation", () => {
    const body = { group: { id: 7, name: "g" }, reason: "kicked", by: BOB };
    expect(routeEvent("social.group.removed.v1", body, ME)).toEqual({
      kind: "groupRemoved",
      conversationId: "group:7",
      body,
    });
  });

  it("ignores malformed bodies and events that are not the chat store's", () => {
    expect(routeEvent("chat.message.created.v1", { entry: { ...text, seq: -1 } }, ME)).toBeUndefined();
    expect(routeEvent("chat.read.v1", { conversationId: "nope", userId: 2, readSeq: 1 }, ME)).toBeUndefined();
    expect(routeEvent("social.group.removed.v1", { group: { id: 7 }, reason: "bored" }, ME)).toBeUndefined();
    expect(routeEvent("social.friend.added.v1", { friend: BOB }, ME)).toBeUndefined();
    expect(routeEvent("presence.changed.v1", {}, ME)).toBeUndefined();
  });
});

/**
 * LiveEvents whose host opens conversations with a first page that stays in flight until the test
 * answers it, so live events can be delivered before the reply.
 */
function firstPageInFlight(): { live: LiveEvents; convs: Map<string, Conv>; answer: (page: unknown) => void } {
  let answerPage: (page: unknown) => void = () => undefined;
  const convs = new Map<string, Conv>();
  const host: LiveEventsHost = {
    client: {
      state: "ready",
      user: { id: ME, username: "me" },
      call: (() => new Promise((resolve) => (answerPage = resolve))) as unknown as LiveEventsHost["client"]["call"],
    },
    conv: (id) => convs.get(id),
    create(id, log) {
      const c = newConv(id, log);
      convs.set(id, c);
      live.created(c);
      return c;
    },
    receive: () => undefined,
    setRead: (c, read) => void applyRead(c, read, ME),
    emitEntry: () => undefined,
    touch: () => undefined,
    later: () => undefined,
  };
  const live = new LiveEvents(host);
  return { live, convs, answer: (page) => answerPage(page) };
}

describe("LiveEvents: a removal while the conversation's first page is in flight", () => {
  it("is applied once the conversation exists, not lost", async () => {
    const GROUP = "group:9";
    const { live, convs, answer } = firstPageInFlight();
    const entry = { ...text, conversationId: GROUP, seq: 5 };
    const group = { id: 9, name: "Trip", disbanded: false };
    live.onEvent("chat.message.created.v1", { entry, sender: BOB, group, preview: "hi" });
    // Kicked while the page is read (on chat's reader thread, or by another chat instance).
    live.onEvent("social.group.removed.v1", { group: { id: 9, name: "Trip" }, reason: "kicked", by: BOB });
    // An older message (published before a rename) delivered after the newer one: the newer name stays.
    live.onEvent("chat.message.created.v1", {
      entry: { ...entry, seq: 4 },
      sender: BOB,
      group: { id: 9, name: "Old" },
      preview: "hi",
    });
    expect(convs.has(GROUP)).toBe(false);

    const people = [BOB];
    answer({ ok: true, value: { conversationId: GROUP, entries: [entry], lastSeq: 5, visibleFromSeq: 0, people } });
    await vi.waitFor(() => expect(convs.get(GROUP)?.meta.group?.removed?.reason).toBe("kicked"));
    expect(convs.get(GROUP)?.meta.group?.removed?.by).toEqual(BOB);
    expect(convs.get(GROUP)?.meta.group?.name).toBe("Trip");
  });
});

describe("LiveEvents: the user's read state, settings and receipts while the first page is in flight", () => {
  it("are applied once the conversation exists, not lost", async () => {
    const { live, convs, answer } = firstPageInFlight();
    live.onEvent("chat.message.created.v1", { entry: text, sender: BOB, group: null, preview: "hi" });
    // Read on another device, pinned there, and read by bob: all before the page's reply.
    const read = { readSeq: 1, unread: 0, countedSeq: 1 };
    live.onEvent("chat.read.v1", { conversationId: DM, userId: ME, readSeq: 1, read });
    const settings = { muted: null, pinned: true, archived: false, markedUnread: false };
    live.onEvent("chat.settings.v1", { conversationId: DM, settings });
    live.onEvent("chat.read.v1", { conversationId: DM, userId: BOB.id, readSeq: 1 });
    expect(convs.has(DM)).toBe(false);

    answer({ ok: true, value: { conversationId: DM, entries: [text], lastSeq: 1, visibleFromSeq: 0, people: [BOB] } });
    await vi.waitFor(() => expect(convs.get(DM)?.read).toEqual(read));
    const c = convs.get(DM);
    expect(c?.meta.settings).toEqual(settings);
    expect(c?.receipts).toEqual({ [BOB.id]: 1 });
    expect(c?.extraUnread).toBe(0);
  });
});
