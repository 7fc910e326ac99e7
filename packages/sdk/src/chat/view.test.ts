import { describe, expect, it } from "vitest";
import { CHAT_LIMITS, type TextEntry } from "@sealroom/proto/chat";
import { applyEntry, applyRead, newConv } from "./conversation.js";
import { ConversationLog } from "./log.js";
import type { PendingMessage } from "./outbox.js";
import { buildSnapshot, buildView } from "./view.js";

const ME = 1;
const text = (conversationId: string, seq: number, senderId: number, clientMsgId = `c${seq}`): TextEntry => ({
  kind: "text",
  id: seq,
  conversationId,
  seq,
  ts: seq,
  senderId,
  clientMsgId,
  text: `m${seq}`,
  editedTs: null,
  deletedTs: null,
});
const pending = (clientMsgId: string): PendingMessage => ({
  conversationId: "dm:1:2",
  clientMsgId,
  text: "hi",
  status: "sending",
  writtenTs: 0,
  attempts: 1,
});

describe("buildView", () => {
  it("adds the unread the server counted to the unread seen since, up to the display cap", () => {
    const c = newConv("dm:1:2", new ConversationLog(0));
    applyRead(c, { readSeq: 0, unread: CHAT_LIMITS.unreadMax - 1, countedSeq: 0 }, ME);
    applyEntry(c, text("dm:1:2", 1, 2), ME);
    expect(buildView(c, [], ME).unread).toBe(CHAT_LIMITS.unreadMax);
    applyEntry(c, text("dm:1:2", 2, 2), ME);
    expect(buildView(c, [], ME).unread).toBe(CHAT_LIMITS.unreadMax);
  });

  it("a message held in the log is not also listed as pending (its live event came before the ack)", () => {
    const c = newConv("dm:1:2", new ConversationLog(0));
    applyEntry(c, text("dm:1:2", 1, ME, "sent"), ME);
    expect(buildView(c, [pending("sent"), pending("waiting")], ME).pending.map((m) => m.clientMsgId)).toEqual([
      "waiting",
    ]);
  });

  it("says whether older entries exist before the window", () => {
    const c = newConv("dm:1:2", new ConversationLog(10));
    expect(buildView(c, [], ME)).toMatchObject({ headSeq: 10, hasOlder: true });
    c.meta.visibleFromSeq = 10;
    expect(buildView(c, [], ME).hasOlder).toBe(false);
  });

  it("copies what it shows, so a later change does not alter an old snapshot", () => {
    const c = newConv("dm:1:2", new ConversationLog(0));
    const view = buildView(c, [], ME);
    applyEntry(c, text("dm:1:2", 1, 2), ME);
    c.receipts[2] = 1;
    expect(view.entries).toEqual([]);
    expect(view.receipts).toEqual({});
  });
});

describe("buildSnapshot", () => {
  it("lists the most recently active first, ties by id, and indexes them by id", () => {
    const views = ["dm:1:3", "dm:1:2", "group:4"].map((id, i) => {
      const c = newConv(id, new ConversationLog(0));
      c.meta.lastActivityTs = i === 2 ? 50 : 10;
      return buildView(c, [], ME);
    });
    const snapshot = buildSnapshot("up-to-date", views);
    expect(snapshot.conversations.map((v) => v.conversationId)).toEqual(["group:4", "dm:1:2", "dm:1:3"]);
    expect(snapshot.byId["dm:1:3"]?.conversationId).toBe("dm:1:3");
    expect(snapshot.status).toBe("up-to-date");
  });
});
