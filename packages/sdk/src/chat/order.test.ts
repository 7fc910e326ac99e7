/**
 * Replies overtaken by live events (issue 19): a page or list read before a change can reach the
 * device after the change's live event (a page read on chat's reader thread, by another chat
 * instance, or on PostgreSQL's pool). Each case delivers the live event first, then the older reply,
 * and checks the newer state stays.
 */
import { describe, expect, it, vi } from "vitest";
import type { ConversationSummary, Entry, SystemEntry, TextEntry } from "@sealroom/proto/chat";
import type { SealroomClient } from "../client.js";
import { CatchUp, type CatchUpHost } from "./catch-up.js";
import {
  adoptSummary,
  applyDescription,
  applyEntry,
  applyGroupRemoved,
  applyRead,
  applySettings,
  ChangeClock,
  newConv,
  seeFrom,
  type Conv,
} from "./conversation.js";
import { LiveEvents } from "./events.js";
import { ConversationLog } from "./log.js";

const ME = 1;
const BOB = { id: 2, username: "bob" };
const GROUP = "group:9";
const NOTHING_SET = { muted: null, pinned: false, archived: false, markedUnread: false };

const text = (seq: number, opts: Partial<TextEntry> = {}): TextEntry => ({
  kind: "text",
  id: 100 + seq,
  conversationId: GROUP,
  seq,
  ts: 1000 * seq,
  senderId: BOB.id,
  clientMsgId: `c${seq}`,
  text: `m${seq}`,
  editedTs: null,
  deletedTs: null,
  ...opts,
});

const joined = (seq: number): SystemEntry => ({
  kind: "system",
  id: 100 + seq,
  conversationId: GROUP,
  seq,
  ts: 1000 * seq,
  event: { groupEventId: seq, type: "joined", actor: { id: ME, username: "me" }, target: { id: ME, username: "me" } },
});

const summary = (over: Partial<ConversationSummary> = {}): ConversationSummary => ({
  conversationId: GROUP,
  kind: "group",
  peer: null,
  group: { id: 9, name: "Trip", disbanded: false },
  lastSeq: 10,
  lastActivityTs: 10_000,
  visibleFromSeq: 0,
  last: null,
  read: { readSeq: 10, unread: 0, countedSeq: 10 },
  settings: NOTHING_SET,
  ...over,
});

const NO_READ = { readSeq: 0, unread: 1, countedSeq: 1 };

const described = (seq: number, name: string) => ({
  entry: text(seq),
  sender: BOB,
  group: { id: 9, name },
  preview: `m${seq}`,
});

const kicked = { group: { id: 9, name: "Trip" }, reason: "kicked" as const, by: BOB };
const removed = { reason: "left" as const, by: null, ts: 25_000 };

describe("a list reply read before a live change", () => {
  it("keeps a removal from the group that came live after the list was asked for", () => {
    const c = newConv(GROUP, new ConversationLog(10));
    const sentAt = c.order.clock.now;
    applyGroupRemoved(c, kicked, 7);
    adoptSummary(c, summary(), sentAt);
    expect(c.meta.group?.removed).toEqual({ reason: "kicked", by: BOB, ts: 7 });
  });

  it("takes the summary's word on membership when nothing changed live since it was asked for", () => {
    const c = newConv(GROUP, new ConversationLog(10));
    applyGroupRemoved(c, kicked, 7);
    // Asked for after the removal (she was invited back meanwhile): the list is the newer word.
    adoptSummary(c, summary({ lastSeq: 20 }), c.order.clock.now);
    expect(c.meta.group?.removed).toBeUndefined();
  });

  it("a join released after the list was asked for, but older than the list (by seq), does not undo its removal", () => {
    const c = newConv(GROUP, new ConversationLog(9));
    const sentAt = c.order.clock.now;
    applyEntry(c, joined(10), ME);
    adoptSummary(c, summary({ lastSeq: 30, group: { id: 9, name: "Trip", disbanded: false, removed } }), sentAt);
    expect(c.meta.group?.removed).toEqual(removed);
    // A join after the list (by seq): she is back whatever the list said.
    c.log.skipTo(39);
    applyEntry(c, joined(40), ME);
    adoptSummary(c, summary({ lastSeq: 30, group: { id: 9, name: "Trip", disbanded: false, removed } }));
    expect(c.meta.group?.removed).toBeUndefined();
  });

  it("keeps settings changed live after the list was asked for (another device, or a new message unarchiving)", () => {
    const c = newConv(GROUP, new ConversationLog(10));
    const sentAt = c.order.clock.now;
    applySettings(c, { ...NOTHING_SET, pinned: true });
    adoptSummary(c, summary(), sentAt);
    expect(c.meta.settings.pinned).toBe(true);

    const archived = newConv(GROUP, new ConversationLog(10));
    archived.meta.settings = { ...NOTHING_SET, archived: true };
    const asked = archived.order.clock.now;
    applyEntry(archived, text(11), ME);
    expect(archived.meta.settings.archived).toBe(false);
    adoptSummary(archived, summary({ settings: { ...NOTHING_SET, archived: true } }), asked);
    expect(archived.meta.settings.archived).toBe(false);
  });

  it("does not take back a newer group name, read pointer or visibility start", () => {
    const c = newConv(GROUP, new ConversationLog(10));
    applyDescription(c, described(12, "Renamed"), ME);
    applyRead(c, { readSeq: 12, unread: 0, countedSeq: 12 }, ME);
    seeFrom(c, 8);
    adoptSummary(c, summary({ lastSeq: 10, visibleFromSeq: 3 }));
    expect(c.meta.group?.name).toBe("Renamed");
    expect(c.meta.readSeq).toBe(12);
    expect(c.meta.visibleFromSeq).toBe(8);
    // A summary read later (by seq) renames.
    adoptSummary(c, summary({ lastSeq: 14, group: { id: 9, name: "Again", disbanded: false } }));
    expect(c.meta.group?.name).toBe("Again");
  });

  it("never undoes a disbanding", () => {
    const c = newConv(GROUP, new ConversationLog(10));
    applyGroupRemoved(c, { group: { id: 9, name: "Trip" }, reason: "disbanded" }, 7);
    adoptSummary(c, summary(), 0);
    expect(c.meta.group?.disbanded).toBe(true);
  });
});

describe("live messages and the group's state", () => {
  it("a message published before a removal and delivered after it leaves the user removed", () => {
    const c = newConv(GROUP, new ConversationLog(10));
    applyGroupRemoved(c, kicked, 7);
    applyDescription(c, described(11, "Trip"), ME);
    expect(c.meta.group?.removed?.reason).toBe("kicked");
  });

  it("a message published before a rename and delivered after it keeps the new name", () => {
    const c = newConv(GROUP, new ConversationLog(10));
    applyDescription(c, described(12, "New"), ME);
    applyDescription(c, described(11, "Old"), ME);
    expect(c.meta.group?.name).toBe("New");
  });

  it("the user's join after the removal (by seq) clears it; one before it does not", () => {
    const c = newConv(GROUP, new ConversationLog(10));
    applyGroupRemoved(c, kicked, 7);
    // Her earlier join, released late by a sync (the live removal came first): still removed.
    c.log.reset(9, []);
    applyEntry(c, joined(10), ME);
    expect(c.meta.group?.removed?.reason).toBe("kicked");
    // Invited back and joined: seq 15 is after everything held when she was removed.
    c.log.skipTo(14);
    applyEntry(c, joined(15), ME);
    expect(c.meta.group?.removed).toBeUndefined();
    expect(c.meta.group?.name).toBe("Trip");
  });
});

describe("read state", () => {
  it("the same read pointer counted at an earlier seq is older and ignored", () => {
    const c = newConv(GROUP, new ConversationLog(0));
    for (const seq of [1, 2, 3]) applyEntry(c, text(seq), ME);
    expect(applyRead(c, { readSeq: 1, unread: 1, countedSeq: 3 }, ME)).toBe(true);
    expect(applyRead(c, { readSeq: 1, unread: 0, countedSeq: 1 }, ME)).toBe(false);
    expect(c.read).toEqual({ readSeq: 1, unread: 1, countedSeq: 3 });
  });
});

describe("CatchUp: the list in flight while live events arrive", () => {
  it("adopts each summary without undoing what changed live after the list was asked for", async () => {
    const clock = new ChangeClock();
    const convs = new Map<string, Conv>();
    const c = newConv(GROUP, new ConversationLog(10), clock);
    convs.set(GROUP, c);
    let answer: (reply: unknown) => void = () => undefined;
    const asked = vi.fn();
    const client = {
      state: "ready",
      call: (type: string) => {
        asked(type);
        return new Promise((resolve) => (answer = resolve));
      },
    } as unknown as Pick<SealroomClient, "call" | "state">;
    const host: CatchUpHost = {
      client,
      pageSize: 50,
      clock,
      conv: (id) => convs.get(id),
      create: (id, log) => {
        const made = newConv(id, log, clock);
        convs.set(id, made);
        return made;
      },
      openingOf: () => undefined,
      setRead: (conv, read) => void applyRead(conv, read, ME),
      receive: (entry: Entry) => void applyEntry(c, entry, ME),
      setStatus: () => undefined,
      running: () => true,
      later: () => undefined,
    };
    const done = new CatchUp(host).run();
    await vi.waitFor(() => expect(asked).toHaveBeenCalledWith("chat.conversations"));
    // Live, before the list's reply: kicked, and pinned from another device.
    applyGroupRemoved(c, kicked, 7);
    applySettings(c, { ...NOTHING_SET, pinned: true });
    answer({ ok: true, value: { conversations: [summary()], more: false } });
    await done;
    expect(c.meta.group?.removed?.reason).toBe("kicked");
    expect(c.meta.settings.pinned).toBe(true);
  });
});

describe("CatchUp and LiveEvents: a new conversation's first message arrives live while the list is in flight", () => {
  it("releases the message once, whether the list's or the first page's reply comes first", async () => {
    for (const first of ["chat.conversations", "chat.history"]) {
      const clock = new ChangeClock();
      const convs = new Map<string, Conv>();
      const released: Entry[] = [];
      const replies = new Map<string, (reply: unknown) => void>();
      const client = {
        state: "ready",
        user: { id: ME, username: "me" },
        call: (type: string) => new Promise((resolve) => replies.set(type, resolve)),
      } as unknown as Pick<SealroomClient, "call" | "state" | "user">;
      const create = (id: string, log: ConversationLog) => {
        const made = newConv(id, log, clock);
        convs.set(id, made);
        live.created(made);
        return made;
      };
      const receive = (entry: Entry) => {
        const c = convs.get(entry.conversationId);
        if (c) released.push(...applyEntry(c, entry, ME));
      };
      const live = new LiveEvents({
        client,
        conv: (id) => convs.get(id),
        create,
        receive,
        setRead: (c, read) => void applyRead(c, read, ME),
        emitEntry: (e) => released.push(e),
        touch: () => undefined,
        later: () => undefined,
      });
      const catchUp = new CatchUp({
        client,
        pageSize: 50,
        clock,
        conv: (id) => convs.get(id),
        create,
        openingOf: (id) => live.openingOf(id),
        setRead: (c, read) => void applyRead(c, read, ME),
        receive,
        setStatus: () => undefined,
        running: () => true,
        later: () => undefined,
      });
      const done = catchUp.run();
      await vi.waitFor(() => expect(replies.has("chat.conversations")).toBe(true));
      // The list is read after the message was stored, and replies after its live event.
      live.onEvent("chat.message.created.v1", described(1, "Trip"));
      const listed = { conversations: [summary({ lastSeq: 1, last: text(1), read: NO_READ })], more: false };
      const page = { conversationId: GROUP, entries: [text(1)], lastSeq: 1, visibleFromSeq: 0, people: [BOB] };
      const answers = { "chat.conversations": listed, "chat.history": page };
      const second = first === "chat.conversations" ? "chat.history" : "chat.conversations";
      for (const type of [first, second]) {
        await vi.waitFor(() => expect(replies.has(type)).toBe(true));
        replies.get(type)!({ ok: true, value: answers[type as keyof typeof answers] });
      }
      await done;
      expect(
        released.map((e) => e.seq),
        `${first} first`,
      ).toEqual([1]);
      expect(convs.get(GROUP)!.log.head).toBe(1);
    }
  });
});

describe("CatchUp: a gap sync that moves the window to the user's visibility start", () => {
  it("releases the live entries that waited after it, and asks once", async () => {
    // Made at 0 by the user's own message acked before the group's first page (store.ts, ensure),
    // so its live entries wait beyond a gap that is the group before the user joined.
    const c = newConv(GROUP, new ConversationLog(0));
    const released: Entry[] = [];
    const receive = (entry: Entry) => void released.push(...applyEntry(c, entry, ME));
    for (const seq of [4, 5, 6]) receive(seq === 4 ? joined(4) : text(seq));
    expect(released).toEqual([]);
    const calls: unknown[] = [];
    const page = { conversationId: GROUP, entries: [joined(4), text(5), text(6)], lastSeq: 6, visibleFromSeq: 3 };
    const client = {
      state: "ready",
      call: (_type: string, body: unknown) => {
        calls.push(body);
        // The same page over and over would spin here for ever: fail instead.
        if (calls.length > 3) return Promise.resolve({ ok: false, error: { code: "INTERNAL", message: "again" } });
        return Promise.resolve({ ok: true, value: { ...page, people: [BOB] } });
      },
    } as unknown as Pick<SealroomClient, "call" | "state">;
    const catchUp = new CatchUp({
      client,
      pageSize: 50,
      clock: c.order.clock,
      conv: () => c,
      create: () => c,
      openingOf: () => undefined,
      setRead: () => undefined,
      receive,
      setStatus: () => undefined,
      running: () => true,
      later: () => undefined,
    });
    await catchUp.sync(c);
    expect(released.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(c.log.gap).toBe(false);
    expect(calls).toEqual([{ conversationId: GROUP, afterSeq: 0, limit: 50 }]);
  });
});
