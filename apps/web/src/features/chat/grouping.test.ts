import { describe, expect, test } from "vitest";
import type { PendingMessage, TimelineEntry } from "@sealroom/sdk/browser";
import { GROUP_GAP_MS, continuesGroup, groupItemOf } from "./grouping.js";
import { buildRows, type Row } from "./timeline.js";
import { BOB, CAROL, ME, encrypted, text } from "./test-support.js";

const system = (seq: number, ts: number): TimelineEntry => ({
  kind: "system",
  id: 100 + seq,
  conversationId: "group:9",
  seq,
  ts,
  event: { groupEventId: seq, type: "joined", actor: CAROL, target: CAROL, role: "member" },
});

/** Each message row as "text:first" or "text:cont", the other rows by type. */
const shape = (rows: Row[]) =>
  rows.map((r) =>
    r.type === "text"
      ? `${r.entry.text}:${r.first ? "first" : "cont"}`
      : r.type === "pending"
        ? `${r.message.text}:${r.first ? "first" : "cont"}`
        : r.type,
  );

describe("continuesGroup", () => {
  const at = Date.UTC(2026, 10, 28, 9);
  const bob = (ts: number) => ({ senderId: BOB.id, ts });

  test("the same sender within 5 minutes continues; another sender does not", () => {
    expect(continuesGroup(bob(at), bob(at + 60_000))).toBe(true);
    expect(continuesGroup(bob(at), { senderId: CAROL.id, ts: at + 60_000 })).toBe(false);
    expect(continuesGroup(undefined, bob(at))).toBe(false);
  });

  test("a gap of more than 5 minutes starts a new group", () => {
    expect(continuesGroup(bob(at), bob(at + GROUP_GAP_MS))).toBe(true);
    expect(continuesGroup(bob(at), bob(at + GROUP_GAP_MS + 1))).toBe(false);
  });

  test("a new day starts a new group, however close the messages", () => {
    const midnight = new Date(2026, 10, 28).getTime(); // local: the day dividers are local days
    expect(continuesGroup(bob(midnight - 60_000), bob(midnight + 60_000))).toBe(false);
  });

  test("a system entry or a divider between two messages breaks the group", () => {
    expect(continuesGroup(groupItemOf(system(1, at)), bob(at + 1000))).toBe(false);
    expect(continuesGroup(bob(at), bob(at + 1000), true)).toBe(false);
  });
});

describe("buildRows groups messages", () => {
  const entries = (...es: TimelineEntry[]) => es;

  test("a run of one sender is one group; a deleted message stays in it", () => {
    const rows = buildRows(
      entries(
        text(1, BOB.id, "one"),
        text(2, BOB.id, "two", { deletedTs: Date.UTC(2026, 10, 28, 10) }),
        text(3, BOB.id, "three"),
        text(4, ME.id, "mine"),
        text(5, ME.id, "mine too"),
      ),
      [],
      ME.id,
    );
    expect(shape(rows)).toEqual(["day", "one:first", "two:cont", "three:cont", "mine:first", "mine too:cont"]);
    const texts = rows.filter((r) => r.type === "text");
    expect(texts.map((r) => r.last)).toEqual([false, false, true, false, true]);
  });

  test("a gap of more than 5 minutes, a system entry and the unread divider each start a new group", () => {
    const rows = buildRows(
      entries(
        text(1, BOB.id, "a"),
        text(2, BOB.id, "b", { ts: Date.UTC(2026, 10, 28, 9, 20) }),
        system(3, Date.UTC(2026, 10, 28, 9, 21)),
        text(4, BOB.id, "c", { ts: Date.UTC(2026, 10, 28, 9, 22) }),
        text(5, BOB.id, "d", { ts: Date.UTC(2026, 10, 28, 9, 23) }),
      ),
      [],
      ME.id,
      4, // read up to "c": the divider stands before "d"
    );
    expect(shape(rows)).toEqual(["day", "a:first", "b:first", "system", "c:first", "unread", "d:first"]);
  });

  test("the divider where encryption begins starts a new group", () => {
    const rows = buildRows(
      entries(text(1, BOB.id, "plain"), encrypted(text(2, BOB.id, "sealed"), "decrypted")),
      [],
      ME.id,
      undefined,
      true,
    );
    expect(shape(rows)).toEqual(["day", "e2e", "plain:first", "e2e", "sealed:first"]);
  });

  test("a day change starts a new group under its divider", () => {
    const rows = buildRows(
      entries(text(1, BOB.id, "late", { ts: Date.UTC(2026, 10, 26, 12) }), text(2, BOB.id, "next day")),
      [],
      ME.id,
    );
    expect(shape(rows)).toEqual(["day", "late:first", "day", "next day:first"]);
  });

  test("a message on its way joins the user's group", () => {
    const pending = (id: string, body: string, writtenTs: number): PendingMessage => ({
      conversationId: "dm:1:2",
      clientMsgId: id,
      text: body,
      status: "sending",
      writtenTs,
      attempts: 0,
    });
    const rows = buildRows(
      entries(text(1, ME.id, "sent")),
      [pending("p1", "going", Date.UTC(2026, 10, 28, 9, 2)), pending("p2", "later", Date.UTC(2026, 10, 28, 9, 30))],
      ME.id,
    );
    expect(shape(rows)).toEqual(["day", "sent:first", "going:cont", "later:first"]);
  });
});
