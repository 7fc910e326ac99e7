import { CONTENT_VERSION, newContentId, textContent } from "@sealroom/e2e";
import { describe, expect, test } from "vitest";
import { ConversationContents, REACTIONS_MAX, checkedReads, withReaction, type AppMeta } from "./contents.js";

const conv = "dm:1:2";
let seq = 0;
const meta = (senderId: number): AppMeta => {
  seq++;
  return { id: seq, conversationId: conv, seq, ts: 1000 + seq, senderId, clientMsgId: `c${seq}` };
};
const edit = (target: string, text: string) =>
  ({ v: CONTENT_VERSION, type: "edit", id: newContentId(), target, text }) as const;
const del = (target: string) => ({ v: CONTENT_VERSION, type: "delete", id: newContentId(), target }) as const;
const react = (target: string, emoji: string, remove = false) =>
  ({ v: CONTENT_VERSION, type: "reaction", id: newContentId(), target, emoji, ...(remove ? { remove } : {}) }) as const;

const attachmentOf = (name: string) =>
  ({
    v: CONTENT_VERSION,
    type: "attachment",
    id: newContentId(),
    blobId: "blob-f",
    name,
    mime: "text/plain",
    size: 3,
    key: "A".repeat(43),
    sha256: "B".repeat(43),
  }) as const;

describe("ConversationContents", () => {
  test("an edit and a delete from the target's sender apply; each message is handled once", () => {
    let ignored = 0;
    const contents = new ConversationContents(() => ignored++);
    const original = textContent("hello");
    const m = meta(1);
    expect(contents.read(m, original)).toHaveLength(1);
    expect(contents.read(m, original)).toEqual([]);
    const e = meta(1);
    expect(contents.read(e, edit(original.id, "hello again"))).toEqual([
      expect.objectContaining({ kind: "edit", targetSeq: m.seq, text: "hello again", seq: e.seq }),
    ]);
    expect(contents.read(e, edit(original.id, "hello again"))).toEqual([]);
    expect(contents.entry(m.seq)).toMatchObject({ text: "hello again", editedTs: e.ts, deletedTs: null });
    const d = meta(1);
    expect(contents.read(d, del(original.id))).toEqual([expect.objectContaining({ kind: "delete", targetSeq: m.seq })]);
    expect(contents.entry(m.seq)).toMatchObject({ text: "", deletedTs: d.ts });
    // Nothing changes a deleted message any more.
    expect(contents.read(meta(1), edit(original.id, "back"))).toEqual([]);
    expect(ignored).toBe(0);
  });

  test("a delete tells the archive; a change read where a placeholder showed, target unknown, takes the placeholder away", () => {
    const forgotten: Array<[number, string]> = [];
    const contents = new ConversationContents(() => undefined, {
      record: () => undefined,
      forget: (target, deletion) => forgotten.push([target.seq, deletion.type]),
    });
    const original = textContent("soon gone");
    const m = meta(1);
    contents.read(m, original);
    contents.read(meta(1), del(original.id));
    expect(forgotten).toEqual([[m.seq, "delete"]]);

    const locked = meta(1);
    expect(contents.unreadable(locked, "unavailable")).toHaveLength(1);
    expect(contents.read(locked, del(newContentId()))).toEqual([
      { kind: "gone", conversationId: conv, seq: locked.seq },
    ]);
    expect(contents.entry(locked.seq)).toBeUndefined();
    // Without a placeholder there is nothing to take away.
    expect(contents.read(meta(1), del(newContentId()))).toEqual([]);
  });

  test("a change from another user is ignored and counted, now or when its target arrives", () => {
    let ignored = 0;
    const contents = new ConversationContents(() => ignored++);
    const original = textContent("mine");
    const m = meta(1);
    contents.read(m, original);
    expect(contents.read(meta(2), edit(original.id, "forged"))).toEqual([]);
    expect(ignored).toBe(1);
    const later = textContent("later");
    expect(contents.read(meta(2), del(later.id))).toEqual([]);
    expect(contents.read(meta(1), later)).toHaveLength(1);
    expect(ignored).toBe(2);
    expect(contents.entry(m.seq)).toMatchObject({ text: "mine", editedTs: null });
  });

  test("changes before their target wait for it and apply in order; a reply names its target's seq", () => {
    const contents = new ConversationContents(() => undefined);
    const target = textContent("target");
    contents.read(meta(1), edit(target.id, "first edit"));
    const second = meta(1);
    contents.read(second, edit(target.id, "second edit"));
    const t = meta(1);
    const out = contents.read(t, target);
    expect(out.map((e) => e.kind)).toEqual(["text", "edit", "edit"]);
    expect(contents.entry(t.seq)).toMatchObject({ text: "second edit", editedTs: second.ts, contentId: target.id });
    const r = meta(2);
    contents.read(r, textContent("a reply", target.id));
    expect(contents.entry(r.seq)?.replyTo).toEqual({ contentId: target.id, seq: t.seq });
    const orphan = meta(2);
    contents.read(orphan, textContent("reply to the unknown", newContentId()));
    expect(contents.entry(orphan.seq)?.replyTo?.seq).toBeNull();
  });

  test("a text's mentions reach its entry, survive an edit and the read records", () => {
    const contents = new ConversationContents(() => undefined);
    const m = meta(2);
    const text = textContent("hi @alice", undefined, [1]);
    contents.read(m, text);
    expect(contents.entry(m.seq)?.mentions).toEqual([1]);
    contents.read(meta(2), edit(text.id, "hello @alice"));
    expect(contents.entry(m.seq)).toMatchObject({ text: "hello @alice", mentions: [1] });
    const records = contents.takeChanged();
    expect(checkedReads(records, conv).find((r) => r.kind === "message" && r.entry.seq === m.seq)).toMatchObject({
      entry: { mentions: [1] },
    });
    const plain = meta(2);
    contents.read(plain, textContent("no one"));
    expect(contents.entry(plain.seq)).not.toHaveProperty("mentions");
  });

  test("the forwarded mark reaches the entry, survives an edit and a restart (records from before have none), not a delete", () => {
    const contents = new ConversationContents(() => undefined);
    const m = meta(2);
    const text = textContent("pass it on", undefined, undefined, true);
    contents.read(m, text);
    expect(contents.entry(m.seq)?.forwarded).toBe(true);
    contents.read(meta(2), edit(text.id, "pass it on, please"));
    const file = { ...attachmentOf("f.txt"), v: 2, forwarded: true } as const;
    const f = meta(1);
    contents.read(f, file);
    const plain = meta(2);
    contents.read(plain, textContent("my own words"));
    expect(contents.entry(plain.seq)).not.toHaveProperty("forwarded");

    const records = structuredClone(contents.takeChanged());
    const again = new ConversationContents(() => undefined);
    again.restore(checkedReads(records, conv));
    expect(again.entry(m.seq)).toMatchObject({ text: "pass it on, please", forwarded: true });
    expect(again.entry(f.seq)).toMatchObject({ forwarded: true, attachment: { name: "f.txt" } });
    expect(again.entry(plain.seq)).not.toHaveProperty("forwarded");
    // A record written before the mark existed reads as it was; a malformed mark is refused.
    const old = records.find((r) => r.kind === "message" && r.entry.seq === plain.seq);
    expect(checkedReads([old], conv)).toHaveLength(1);
    const forged = { kind: "message", entry: { ...contents.entry(plain.seq), forwarded: "yes" } };
    expect(checkedReads([forged], conv)).toEqual([]);

    again.read({ ...meta(2), senderId: m.senderId }, del(text.id));
    expect(again.entry(m.seq)).toMatchObject({ text: "" });
    expect(again.entry(m.seq)).not.toHaveProperty("forwarded");
  });

  test("unreadable messages are shown once", () => {
    const contents = new ConversationContents(() => undefined);
    const m = meta(1);
    expect(contents.unreadable(m, "undecryptable")).toEqual([
      expect.objectContaining({ e2e: "undecryptable", text: "", contentId: null }),
    ]);
    expect(contents.unreadable(m, "unavailable")).toEqual([]);
  });

  test("an attachment shows its caption as text with the file; a delete takes the file (and its key) away", () => {
    const contents = new ConversationContents(() => undefined);
    const attachment = {
      v: CONTENT_VERSION,
      type: "attachment",
      id: newContentId(),
      blobId: "blob-1",
      name: "a.png",
      mime: "image/png",
      size: 10,
      paddedSize: 4096,
      key: "A".repeat(43),
      sha256: "B".repeat(43),
      caption: "look",
      thumb: { mime: "image/jpeg", width: 32, height: 24, data: "_9j_4AAQSkZJRgABAQ" },
    } as const;
    const m = meta(1);
    const [shown] = contents.read(m, attachment);
    expect(shown).toMatchObject({ e2e: "decrypted", text: "look", attachment: { blobId: "blob-1", size: 10 } });
    // Kept across a restart like any message read.
    const again = new ConversationContents(() => undefined);
    again.restore(checkedReads(contents.takeChanged(), m.conversationId));
    expect(again.entry(m.seq)?.attachment).toMatchObject({ name: "a.png", paddedSize: 4096, thumb: attachment.thumb });
    const del = { v: CONTENT_VERSION, type: "delete", id: newContentId(), target: attachment.id } as const;
    contents.read({ ...meta(2), senderId: m.senderId }, del);
    expect(contents.entry(m.seq)).toMatchObject({ text: "" });
    expect(contents.entry(m.seq)?.attachment).toBeUndefined();
  });

  test("what was read comes back after a restart: texts as edited, changes handled, content ids kept", () => {
    const first = new ConversationContents(() => undefined);
    const original = textContent("before the restart");
    const m = meta(1);
    first.read(m, original);
    const e = meta(1);
    first.read(e, edit(original.id, "edited before the restart"));
    const u = meta(2);
    first.unreadable(u, "undecryptable");
    const records = first.takeChanged();
    expect(first.takeChanged()).toEqual([]);
    // A store hands the records back as plain data, in any order, with strangers among them.
    const loaded = checkedReads(
      [...structuredClone(records).reverse(), { kind: "message", entry: { seq: "x" } }, null],
      conv,
    );
    expect(loaded).toHaveLength(3);
    expect(checkedReads(loaded, "dm:1:3")).toEqual(loaded.filter((r) => r.kind === "change"));

    const second = new ConversationContents(() => undefined);
    second.restore(loaded);
    expect(second.entry(m.seq)).toMatchObject({ text: "edited before the restart", editedTs: e.ts });
    expect(second.isRead(m.seq) && second.isRead(e.seq)).toBe(true);
    expect(second.read(e, edit(original.id, "edited before the restart"))).toEqual([]);
    expect(second.entry(u.seq)).toMatchObject({ e2e: "undecryptable" });
    expect(second.isRead(u.seq)).toBe(false);
    // The content id still finds its message: a change after the restart applies.
    const later = meta(1);
    expect(second.read(later, del(original.id))).toEqual([
      expect.objectContaining({ kind: "delete", targetSeq: m.seq }),
    ]);
    expect(
      second
        .takeChanged()
        .map((r) => (r.kind === "message" ? r.entry.seq : r.seq))
        .sort(),
    ).toEqual([m.seq, later.seq].sort());
  });

  test("a message shown as unreadable is replaced once it is read, and a restore does not undo that", () => {
    const contents = new ConversationContents(() => undefined);
    const m = meta(1);
    const placeholder = contents.unreadable(m, "unavailable");
    const stale = structuredClone(contents.takeChanged());
    expect(contents.read(m, textContent("read after the Welcome"))).toEqual([
      expect.objectContaining({ e2e: "decrypted", text: "read after the Welcome" }),
    ]);
    contents.restore(stale);
    expect(contents.entry(m.seq)).toMatchObject({ e2e: "decrypted" });
    expect(placeholder).toHaveLength(1);
  });

  test("an edit shown as unreadable is no message once read: its placeholder goes, its record is the change's", () => {
    const contents = new ConversationContents(() => undefined);
    const original = textContent("see you at noon");
    const m = meta(1);
    const e = meta(1);
    contents.unreadable(m, "unavailable");
    contents.unreadable(e, "unavailable");
    const stale = structuredClone(contents.takeChanged());
    contents.read(m, original);
    expect(contents.read(e, edit(original.id, "see you at one"))).toEqual([
      expect.objectContaining({ kind: "edit", seq: e.seq, targetSeq: m.seq }),
    ]);
    expect(contents.entry(e.seq)).toBeUndefined();
    expect(contents.unreadableEntries()).toEqual([]);
    expect(contents.takeChanged()).toContainEqual({ kind: "change", seq: e.seq });
    contents.restore(stale);
    expect(contents.entry(e.seq)).toBeUndefined();
    expect(contents.entry(m.seq)).toMatchObject({ text: "see you at one", e2e: "decrypted" });
  });

  test("reactions: anyone's, toggled per user and emoji, in first-use order, kept in the read record", () => {
    let ignored = 0;
    const contents = new ConversationContents(() => ignored++);
    const original = textContent("react to me");
    const m = meta(1);
    contents.read(m, original);
    contents.takeChanged();
    const r = meta(2);
    expect(contents.read(r, react(original.id, "👍"))).toEqual([
      {
        kind: "reactions",
        conversationId: conv,
        seq: r.seq,
        ts: r.ts,
        senderId: 2,
        targetSeq: m.seq,
        reactions: [{ emoji: "👍", userIds: [2] }],
      },
    ]);
    contents.read(meta(1), react(original.id, "👍"));
    contents.read(meta(1), react(original.id, "🇫🇷"));
    contents.read(meta(2), react(original.id, "👍")); // again: no change
    expect(contents.entry(m.seq)?.reactions).toEqual([
      { emoji: "👍", userIds: [2, 1] },
      { emoji: "🇫🇷", userIds: [1] },
    ]);
    contents.read(meta(2), react(original.id, "👍", true));
    contents.read(meta(1), react(original.id, "🇫🇷", true));
    expect(contents.entry(m.seq)?.reactions).toEqual([{ emoji: "👍", userIds: [1] }]);
    expect(ignored).toBe(0);
    // The target's record carries its reactions: a restart shows them again.
    const records = contents.takeChanged();
    const again = new ConversationContents(() => undefined);
    again.restore(checkedReads(JSON.parse(JSON.stringify(records)) as unknown[], conv));
    expect(again.entry(m.seq)?.reactions).toEqual([{ emoji: "👍", userIds: [1] }]);
    expect(records.filter((x) => x.kind === "change")).toHaveLength(6);
  });

  test("a reaction before its target waits for it; none on a deleted message", () => {
    const contents = new ConversationContents(() => undefined);
    const target = textContent("later");
    expect(contents.read(meta(2), react(target.id, "🎉"))).toEqual([]);
    const t = meta(1);
    expect(contents.read(t, target).map((e) => e.kind)).toEqual(["text", "reactions"]);
    expect(contents.entry(t.seq)?.reactions).toEqual([{ emoji: "🎉", userIds: [2] }]);
    contents.read(meta(1), del(target.id));
    expect(contents.read(meta(2), react(target.id, "😀"))).toEqual([]);
    expect(contents.entry(t.seq)?.reactions).toEqual([{ emoji: "🎉", userIds: [2] }]);
  });

  test("withReaction keeps at most REACTIONS_MAX emoji per message", () => {
    let reactions = withReaction([], 1, "😀", false);
    const emoji = [..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩🤔"];
    for (const e of emoji) reactions = withReaction(reactions, 2, e, false);
    expect(reactions).toHaveLength(REACTIONS_MAX);
    expect(withReaction(reactions, 3, "😀", false)[0]).toEqual({ emoji: "😀", userIds: [1, 2, 3] });
  });
});
