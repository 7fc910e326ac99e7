import { describe, expect, it } from "vitest";
import type { TextEntry } from "@sealroom/proto/chat";
import { routeEvent } from "./events.js";

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
