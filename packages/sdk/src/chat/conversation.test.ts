import { describe, expect, it } from "vitest";
import type { Entry, Page, SendAck, TextEntry } from "@sealroom/proto/chat";
import {
  ackEntry,
  adoptSummary,
  applyDescription,
  applyEntry,
  applyGroupRemoved,
  applyRead,
  applyReceipt,
  applyTyping,
  deleteEntry,
  editEntry,
  expireTyping,
  logFromSummary,
  newConv,
  noteWritten,
  startFromPage,
} from "./conversation.js";
import { ConversationLog } from "./log.js";
import type { PendingMessage } from "./outbox.js";

const ME = 1;
const BOB = { id: 2, username: "bob" };
const DM = "dm:1:2";
const text = (seq: number, senderId: number, opts: Partial<TextEntry> = {}): TextEntry => ({
  kind: "text",
  id: 100 + seq,
  conversationId: DM,
  seq,
  ts: 1000 * seq,
  senderId,
  clientMsgId: `c${seq}`,
  text: `m${seq}`,
  editedTs: null,
  deletedTs: null,
  ...opts,
});

describe("applyEntry", () => {
  it("counts others' text after the read pointer as unread, never the user's own", () => {
    const c = newConv(DM, new ConversationLog(0));
    applyRead(c, { readSeq: 1, unread: 0, countedSeq: 1 }, ME);
    const released = [text(1, BOB.id), text(2, BOB.id), text(3, ME)].flatMap((e) => applyEntry(c, e, ME));
    expect(released.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(c.extraUnread).toBe(1);
    expect(c.meta.lastActivityTs).toBe(3000);
  });

  it("releases nothing for a duplicate or an entry beyond a gap", () => {
    const c = newConv(DM, new ConversationLog(0));
    applyEntry(c, text(1, BOB.id), ME);
    expect(applyEntry(c, text(1, BOB.id), ME)).toEqual([]);
    expect(applyEntry(c, text(3, BOB.id), ME)).toEqual([]);
    expect(c.log.gap).toBe(true);
    expect(c.extraUnread).toBe(1);
  });

  it("someone else's new message brings an archived conversation back, unless it is muted", () => {
    const c = newConv(DM, new ConversationLog(0));
    const archived = { muted: null, pinned: true, archived: true, markedUnread: false };
    c.meta.settings = archived;
    applyEntry(c, text(1, ME), ME);
    expect(c.meta.settings.archived).toBe(true);
    applyEntry(c, text(2, BOB.id), ME);
    expect(c.meta.settings).toEqual({ ...archived, archived: false });

    const muted = newConv(DM, new ConversationLog(0));
    muted.meta.settings = { ...archived, muted: { until: null } };
    applyEntry(muted, text(1, BOB.id), ME);
    expect(muted.meta.settings.archived).toBe(true);
    // A mute that has ended holds nothing.
    const lapsed = newConv(DM, new ConversationLog(0));
    lapsed.meta.settings = { ...archived, muted: { until: Date.now() - 1 } };
    applyEntry(lapsed, text(1, BOB.id), ME);
    expect(lapsed.meta.settings.archived).toBe(false);
  });

  it("a message from someone ends their typing indicator", () => {
    const c = newConv(DM, new ConversationLog(0));
    applyTyping(c, BOB, 0, 5000);
    applyEntry(c, text(1, BOB.id), ME);
    expect(c.typing.size).toBe(0);
  });
});

describe("applyRead", () => {
  it("ignores a read state older than the one held", () => {
    const c = newConv(DM, new ConversationLog(0));
    expect(applyRead(c, { readSeq: 5, unread: 0, countedSeq: 5 }, ME)).toBe(true);
    expect(applyRead(c, { readSeq: 4, unread: 3, countedSeq: 4 }, ME)).toBe(false);
    expect(c.meta.readSeq).toBe(5);
  });

  it("recounts the unread text held after it: others' only, deleted ones not", () => {
    const c = newConv(DM, new ConversationLog(0));
    for (const e of [text(1, BOB.id), text(2, BOB.id), text(3, ME), text(4, BOB.id, { deletedTs: 5 }), text(5, BOB.id)])
      applyEntry(c, e, ME);
    applyRead(c, { readSeq: 1, unread: 0, countedSeq: 1 }, ME);
    expect(c.extraUnread).toBe(2);
  });
});

describe("receipts and typing", () => {
  it("a receipt only moves forward", () => {
    const c = newConv(DM, new ConversationLog(0));
    applyReceipt(c, BOB.id, 5);
    applyReceipt(c, BOB.id, 3);
    expect(c.receipts).toEqual({ [BOB.id]: 5 });
  });

  it("a typing indicator lapses only if it was not renewed", () => {
    const c = newConv(DM, new ConversationLog(0));
    applyTyping(c, BOB, 0, 100);
    applyTyping(c, BOB, 50, 100);
    expect(expireTyping(c, BOB.id, 100)).toBe(false);
    expect(expireTyping(c, BOB.id, 150)).toBe(true);
    expect(c.typing.size).toBe(0);
  });
});

describe("what live events tell about a conversation", () => {
  const created = (sender: typeof BOB | null, group: { id: number; name: string } | null) => ({
    entry: text(1, sender?.id ?? ME),
    sender,
    group,
    preview: "m1",
  });

  it("a DM partner is the sender, unless the sender is the user on another device", () => {
    const c = newConv(DM, new ConversationLog(0));
    applyDescription(c, created({ id: ME, username: "me" }, null), ME);
    expect(c.meta.peer).toBeNull();
    applyDescription(c, created(BOB, null), ME);
    expect(c.meta.peer).toEqual(BOB);
  });

  it("a group's new name is taken, keeping whether it was disbanded", () => {
    const c = newConv("group:9", new ConversationLog(0));
    expect(c.meta.kind).toBe("group");
    c.meta.group = { id: 9, name: "old", disbanded: true };
    applyDescription(c, created(BOB, { id: 9, name: "new" }), ME);
    expect(c.meta.group).toEqual({ id: 9, name: "new", disbanded: true });
  });

  it("disbanded marks the group read-only; kicked also says by whom and when", () => {
    const disbanded = newConv("group:9", new ConversationLog(0));
    applyTyping(disbanded, BOB, 0, 100);
    applyGroupRemoved(disbanded, { group: { id: 9, name: "g" }, reason: "disbanded" }, 7);
    expect(disbanded.meta.group).toEqual({ id: 9, name: "g", disbanded: true });
    expect(disbanded.typing.size).toBe(0);
    const kicked = newConv("group:9", new ConversationLog(0));
    applyGroupRemoved(kicked, { group: { id: 9, name: "g" }, reason: "kicked", by: BOB }, 7);
    expect(kicked.meta.group).toEqual({
      id: 9,
      name: "g",
      disbanded: false,
      removed: { reason: "kicked", by: BOB, ts: 7 },
    });
  });
});

describe("starting a conversation", () => {
  it("from the list: at its newest entry, without replaying history", () => {
    const summary = {
      conversationId: DM,
      kind: "dm" as const,
      peer: BOB,
      group: null,
      lastSeq: 40,
      lastActivityTs: 40_000,
      visibleFromSeq: 0,
      last: text(40, BOB.id),
      read: { readSeq: 38, unread: 2, countedSeq: 40 },
    };
    const c = newConv(DM, logFromSummary(summary));
    adoptSummary(c, summary);
    expect(c.log.head).toBe(40);
    expect(c.log.timeline.map((e) => e.seq)).toEqual([40]);
    expect(c.meta).toMatchObject({ peer: BOB, lastActivityTs: 40_000, readSeq: 38 });
  });

  it("from a live entry: at the history page, whose text and system entries it holds", () => {
    const c = newConv(DM, new ConversationLog(12));
    const edit: Entry = {
      kind: "edit",
      id: 113,
      conversationId: DM,
      seq: 13,
      ts: 13_000,
      senderId: BOB.id,
      targetSeq: 12,
      text: "x",
    };
    const page: Page = {
      conversationId: DM,
      entries: [text(11, BOB.id), text(12, BOB.id), edit],
      lastSeq: 13,
      visibleFromSeq: 0,
      truncated: false,
    };
    expect(startFromPage(c, page)).toHaveLength(3);
    expect(c.log.head).toBe(13);
    expect(c.log.timeline.map((e) => e.seq)).toEqual([11, 12]);
    expect(c.meta.lastActivityTs).toBe(12_000);
  });
});

describe("acks", () => {
  const message: PendingMessage = {
    conversationId: DM,
    clientMsgId: "x",
    text: "hi",
    status: "sending",
    writtenTs: 0,
    attempts: 1,
  };
  const ack = (ts: number): SendAck => ({ id: 7, conversationId: DM, seq: 3, ts, clientMsgId: "x" });

  it("an ack stands for the user's text entry", () => {
    expect(ackEntry(message, ack(10), ME)).toMatchObject({
      kind: "text",
      seq: 3,
      senderId: ME,
      text: "hi",
      clientMsgId: "x",
    });
  });

  it("a written time is noted only when the message waited a minute and the server's time agrees", () => {
    const c = newConv(DM, new ConversationLog(0));
    expect(noteWritten(c, message, ack(120_000), 30_000)).toBe(false); // did not wait (a skewed clock)
    expect(noteWritten(c, message, ack(10), 120_000)).toBe(false); // the server had it already
    expect(noteWritten(c, message, ack(120_000), 120_000)).toBe(true);
    expect(c.written).toEqual({ 3: 0 });
  });
});

describe("editEntry / deleteEntry", () => {
  const ack = { id: 205, conversationId: DM, seq: 5, ts: 5000, targetSeq: 2 };

  it("stand for the user's change as the log entry its live event would carry", () => {
    expect(editEntry(DM, 2, "fixed", ack, ME)).toEqual({
      kind: "edit",
      id: 205,
      conversationId: DM,
      seq: 5,
      ts: 5000,
      senderId: ME,
      targetSeq: 2,
      text: "fixed",
    });
    expect(deleteEntry(DM, 2, ack, ME)).toEqual({
      kind: "delete",
      id: 205,
      conversationId: DM,
      seq: 5,
      ts: 5000,
      senderId: ME,
      targetSeq: 2,
    });
  });

  it("apply to the log like any entry: the edit changes the text, the deletion tombstones it", () => {
    const c = newConv(DM, new ConversationLog(0));
    for (const e of [text(1, ME), text(2, ME), text(3, BOB.id), text(4, BOB.id)]) applyEntry(c, e, ME);
    applyEntry(c, editEntry(DM, 2, "fixed", ack, ME), ME);
    expect(c.log.timeline.find((e) => e.seq === 2)).toMatchObject({ text: "fixed", editedTs: 5000 });
    applyEntry(c, deleteEntry(DM, 1, { ...ack, id: 206, seq: 6, ts: 6000, targetSeq: 1 }, ME), ME);
    expect(c.log.timeline.find((e) => e.seq === 1)).toMatchObject({ deletedTs: 6000 });
    expect(c.log.head).toBe(6);
  });
});
