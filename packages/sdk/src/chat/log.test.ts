import { describe, expect, it } from "vitest";
import type { Entry, TextEntry } from "@sealroom/proto/chat";
import { ConversationLog } from "./log.js";

const conv = "dm:1:2";
const text = (seq: number, body = `m${seq}`): Entry => ({
  kind: "text",
  id: seq,
  conversationId: conv,
  seq,
  ts: seq,
  senderId: 1,
  clientMsgId: `c${seq}`,
  text: body,
  editedTs: null,
  deletedTs: null,
});

const mls = (seq: number, kind: "mls.app" | "mls.commit"): Entry => ({
  kind,
  id: seq,
  conversationId: conv,
  seq,
  ts: seq,
  senderId: 2,
  clientMsgId: `c${seq}`,
  message: "AAEC",
});

describe("ConversationLog", () => {
  it("releases entries once each, in seq order, whatever order and how often they arrive", () => {
    const log = new ConversationLog(0);
    const released: number[] = [];
    for (const seq of [2, 1, 1, 4, 3, 2, 5, 4]) released.push(...log.receive(text(seq)).map((e) => e.seq));
    expect(released).toEqual([1, 2, 3, 4, 5]);
    expect(log.timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(log.gap).toBe(false);
  });

  it("holds entries beyond a gap until it is filled", () => {
    const log = new ConversationLog(10);
    expect(log.receive(text(13))).toEqual([]);
    expect(log.gap).toBe(true);
    expect(log.receive(text(11)).map((e) => e.seq)).toEqual([11]);
    expect(log.receive(text(12)).map((e) => e.seq)).toEqual([12, 13]);
    expect(log.gap).toBe(false);
  });

  it("applies edits and deletions to the message they target, as new objects", () => {
    const log = new ConversationLog(0);
    log.receive(text(1, "helo"));
    const before = log.timeline[0];
    log.receive({
      kind: "edit",
      id: 2,
      conversationId: conv,
      seq: 2,
      ts: 20,
      senderId: 1,
      targetSeq: 1,
      text: "hello",
    });
    expect(log.timeline[0]).toMatchObject({ text: "hello", editedTs: 20 });
    expect(log.timeline[0]).not.toBe(before);
    log.receive({ kind: "delete", id: 3, conversationId: conv, seq: 3, ts: 30, senderId: 1, targetSeq: 1 });
    expect(log.timeline[0]).toMatchObject({ text: "", deletedTs: 30 });
    expect(log.timeline).toHaveLength(1);
  });

  it("lets MLS entries fill their seq without showing them (the SDK does not decrypt yet)", () => {
    const log = new ConversationLog(0);
    expect(log.receive(mls(2, "mls.app"))).toEqual([]);
    expect(log.receive(text(1)).map((e) => e.kind)).toEqual(["text", "mls.app"]);
    expect(log.receive(mls(3, "mls.commit")).map((e) => e.seq)).toEqual([3]);
    expect(log.receive(text(4)).map((e) => e.seq)).toEqual([4]);
    expect(log.timeline.map((e) => e.seq)).toEqual([1, 4]);
    expect(log.head).toBe(4);
  });

  it("a window started from a page of MLS entries begins at its first entry, not at its head", () => {
    const log = new ConversationLog(0);
    log.reset(60, [mls(58, "mls.commit"), mls(59, "mls.app"), mls(60, "mls.app")]);
    expect([log.base, log.head]).toEqual([57, 60]);
    expect(log.timeline).toEqual([]);
  });

  it("a message read outside the log (decrypted) shows inside the window only, once, in seq order", () => {
    const log = new ConversationLog(0);
    log.reset(60, [mls(51, "mls.app"), text(55), mls(60, "mls.app")]);
    const decrypted = (seq: number) => ({ ...(text(seq, `d${seq}`) as TextEntry), e2e: "decrypted" });
    // 60, then 51; 3 (the engine read on from a position far behind the page) is not the window's.
    expect([60, 51, 3, 51].map((seq) => log.insert(decrypted(seq)))).toEqual([true, true, false, false]);
    expect(log.timeline.map((e) => e.seq)).toEqual([51, 55, 60]);
    // Paging back makes it the window's: then it shows.
    log.prepend([mls(3, "mls.app")], 2);
    expect(log.insert(decrypted(3))).toBe(true);
    expect(log.timeline.map((e) => e.seq)).toEqual([3, 51, 55, 60]);
  });

  it("a window made before anything placed it is placed once, from the list or a first page", () => {
    const log = new ConversationLog(0, false);
    expect(log.receive(text(41))).toEqual([]); // waits: from 0, a gap of 40 to fetch
    expect(log.place(40, [text(40)]).map((e) => e.seq)).toEqual([41]); // given back, to receive again
    expect([log.placed, log.base, log.head]).toEqual([true, 39, 40]);
    expect(log.receive(text(41)).map((e) => e.seq)).toEqual([41]);
    // A new conversation's window is placed by its first entries.
    const fresh = new ConversationLog(0, false);
    fresh.receive(text(1));
    expect(fresh.placed).toBe(true);
  });

  it("a history page read before an edit or deletion of one of its messages (live first) shows the change", () => {
    const log = new ConversationLog(10);
    const change = (kind: "edit" | "delete", seq: number, targetSeq: number): Entry =>
      kind === "edit"
        ? { kind, id: seq, conversationId: conv, seq, ts: seq, senderId: 1, targetSeq, text: `e${seq}` }
        : { kind, id: seq, conversationId: conv, seq, ts: seq, senderId: 1, targetSeq };
    log.receive(change("edit", 11, 4));
    log.receive(change("delete", 12, 5));
    // The page as it was read before 11 and 12; message 6 as read after a later edit (ts 13).
    log.prepend([text(4), text(5), { ...text(6, "newest"), editedTs: 13 } as Entry], 3);
    expect(log.timeline.map((e) => [e.seq, e.kind === "text" && e.text])).toEqual([
      [4, "e11"],
      [5, ""],
      [6, "newest"],
    ]);
    expect(log.find(4)?.editedTs).toBe(11);
    expect(log.find(5)?.deletedTs).toBe(12);
  });

  it("a history page read after the edit keeps its own (newer) text", () => {
    const log = new ConversationLog(10);
    log.receive({
      kind: "edit",
      id: 11,
      conversationId: conv,
      seq: 11,
      ts: 11,
      senderId: 1,
      targetSeq: 4,
      text: "e11",
    });
    log.prepend([{ ...text(4, "e15"), editedTs: 15 } as Entry], 3);
    expect(log.find(4)?.text).toBe("e15");
  });
});
