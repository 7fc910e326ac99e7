import { describe, expect, test } from "vitest";
import { SEARCH_QUERY_MAX } from "./limits.js";
import { MessageIndex, snippet, type IndexedMessage } from "./message-index.js";
import { tokenize } from "./tokenize.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function msg(seq: number, text: string, over: Partial<IndexedMessage> = {}): IndexedMessage {
  return { conversationId: "dm:1:2", seq, senderId: 1, ts: T0 + seq * DAY, text, ...over };
}

function seqs(index: MessageIndex, query: string, opts = {}): number[] {
  return index.search(query, opts).hits.map((h) => h.seq);
}

/** The highlighted parts of a hit's snippet. */
function marked(index: MessageIndex, query: string): string[][] {
  return index.search(query).hits.map((h) => h.snippet.highlights.map(([s, e]) => h.snippet.text.slice(s, e)));
}

function sample(): MessageIndex {
  const index = MessageIndex.empty();
  index.put(msg(1, "Shall we meet at the station tomorrow?"));
  index.put(msg(2, "今天天气很好，我们去公园吧", { senderId: 2 }));
  index.put(msg(3, "The weather is lovely; park at noon", { conversationId: "g:9" }));
  index.put(msg(4, "明天在车站见面", { conversationId: "g:9", senderId: 2 }));
  index.put(msg(5, "東京タワーに行きました"));
  return index;
}

describe("tokenize", () => {
  test("spaced scripts split into words; Chinese and Japanese into overlapping pairs", () => {
    expect(tokenize("Hello, World! It's 3.5").map((t) => t.term)).toEqual(["hello", "world", "it's", "3.5"]);
    expect(tokenize("今天天气很好，去公园").map((t) => t.term)).toEqual([
      "今天",
      "天天",
      "天气",
      "气很",
      "很好",
      "去公",
      "公园",
    ]);
    expect(tokenize("天").map((t) => t.term)).toEqual(["天"]);
    // Full-width Latin folds to ASCII; ranges point into the original text.
    const [abc] = tokenize("ＡＢＣ");
    expect(abc).toEqual({ term: "abc", start: 0, end: 3 });
  });

  test("Thai, written without spaces, splits into dictionary words", () => {
    const words = tokenize("สวัสดีครับ").map((t) => t.term);
    expect(words.length).toBeGreaterThan(1);
    expect(words.join("")).toBe("สวัสดีครับ");
  });
});

describe("MessageIndex", () => {
  test("English: words in any order, the last one as a prefix, case-insensitive", () => {
    const index = sample();
    expect(seqs(index, "station")).toEqual([1]);
    expect(seqs(index, "TOMORROW meet")).toEqual([1]);
    expect(seqs(index, "stat")).toEqual([1]);
    expect(seqs(index, "weath")).toEqual([3]);
    // Every word must match.
    expect(seqs(index, "station weather")).toEqual([]);
    expect(seqs(index, "nothing-like-this")).toEqual([]);
    expect(seqs(index, "  ,. ")).toEqual([]);
    // A query longer than SEARCH_QUERY_MAX is refused, not tokenised.
    expect(seqs(index, "x".repeat(SEARCH_QUERY_MAX))).toEqual([]);
    expect(() => index.search("x".repeat(SEARCH_QUERY_MAX + 1))).toThrow(
      expect.objectContaining({ code: "PAYLOAD_TOO_LARGE" }),
    );
  });

  test("Chinese: any two or more characters of a message, wherever the words break; one character as a prefix", () => {
    const index = sample();
    expect(seqs(index, "天气")).toEqual([2]);
    expect(seqs(index, "公园")).toEqual([2]);
    expect(seqs(index, "天气很好")).toEqual([2]);
    expect(seqs(index, "车站")).toEqual([4]);
    // "天" starts pairs of message 2 ("天天", "天气") and of message 4 ("天在"): newest first.
    expect(seqs(index, "天")).toEqual([4, 2]);
    expect(seqs(index, "气公")).toEqual([]);
    expect(seqs(index, "タワー")).toEqual([5]);
  });

  test("results: newest first, filters by conversation, sender and date, a limit and the total", () => {
    const index = MessageIndex.empty();
    for (let seq = 1; seq <= 30; seq++) {
      index.put(
        msg(seq, `report number ${seq}`, {
          senderId: seq % 2 === 0 ? 2 : 1,
          conversationId: seq <= 20 ? "dm:1:2" : "g:7",
        }),
      );
    }
    const all = index.search("report", { limit: 5 });
    expect(all.total).toBe(30);
    expect(all.hits.map((h) => h.seq)).toEqual([30, 29, 28, 27, 26]);
    expect(all.hits[0]).toMatchObject({ conversationId: "g:7", seq: 30, senderId: 2, ts: T0 + 30 * DAY });
    expect(index.search("report", { conversationId: "g:7" }).total).toBe(10);
    expect(index.search("report", { senderId: 2, conversationId: "dm:1:2" }).total).toBe(10);
    expect(seqs(index, "report", { from: T0 + 10 * DAY, to: T0 + 13 * DAY })).toEqual([12, 11, 10]);
    expect(index.search("report", { hasAttachment: true }).total).toBe(0);
    expect(index.search("report", { hasAttachment: false }).total).toBe(30);
    expect(index.search("report", { order: "relevance" }).total).toBe(30);
  });

  test("an edit replaces the text indexed; a deletion (or an emptied text) removes the message", () => {
    const index = sample();
    index.edit("dm:1:2", 1, "Shall we meet at the airport instead?");
    expect(seqs(index, "station")).toEqual([]);
    expect(seqs(index, "airport")).toEqual([1]);
    index.edit("dm:1:2", 2, "改成去博物馆");
    expect(seqs(index, "公园")).toEqual([]);
    expect(seqs(index, "博物馆")).toEqual([2]);
    // Sender and time stay the original message's.
    expect(index.search("博物馆").hits[0]).toMatchObject({ senderId: 2, ts: T0 + 2 * DAY });
    // An edit of a message never indexed waits for the message (history brings it edited).
    index.edit("dm:1:2", 99, "ghost");
    expect(seqs(index, "ghost")).toEqual([]);

    index.remove("g:9", 4);
    expect(seqs(index, "车站")).toEqual([]);
    index.put(msg(5, ""));
    expect(seqs(index, "タワー")).toEqual([]);
    expect(index.size).toBe(3);
  });

  test("snippets: the matched words highlighted, a long text cut around the first match", () => {
    const index = sample();
    expect(marked(index, "meet tomor")).toEqual([["meet", "tomorrow"]]);
    expect(marked(index, "天气很好")).toEqual([["天气很好"]]);
    const long = `${"lorem ipsum ".repeat(40)}the needle is here${" dolor sit".repeat(40)}`;
    const s = snippet(long, new Set(["needle"]));
    expect(s.cutStart && s.cutEnd).toBe(true);
    expect(s.text.length).toBeLessThanOrEqual(161);
    expect(s.highlights).toHaveLength(1);
    const [start, end] = s.highlights[0]!;
    expect(s.text.slice(start, end)).toBe("needle");
  });

  test("beyond one shard: newest first stops early, older shards are still searched, edits and removals find their shard", () => {
    const index = MessageIndex.empty();
    // Three shards of 8,192; the oldest messages are indexed last (history paged back).
    const n = 17_000;
    for (let i = n; i >= 1; i--) index.put(msg(i, i === 3 ? "common and the rare lighthouse" : `common message ${i}`));
    expect(index.size).toBe(n);
    const newest = index.search("common", { limit: 10 });
    expect(newest.hits.map((h) => h.seq)).toEqual([
      17000, 16999, 16998, 16997, 16996, 16995, 16994, 16993, 16992, 16991,
    ]);
    expect(newest.exact).toBe(false);
    expect(newest.total).toBeLessThan(n);
    expect(index.search("lighthouse")).toMatchObject({ total: 1, exact: true, hits: [{ seq: 3 }] });
    expect(index.search("common", { conversationId: "dm:1:2", from: msg(5, "").ts, to: msg(8, "").ts })).toMatchObject({
      total: 3,
      exact: true,
    });
    expect(index.search("common", { order: "relevance", limit: 1 })).toMatchObject({ total: n, exact: true });
    index.edit("dm:1:2", 3, "the lamp house");
    expect(index.search("lighthouse").total).toBe(0);
    expect(index.search("lamp").hits.map((h) => h.seq)).toEqual([3]);
    index.remove("dm:1:2", 3);
    expect(index.search("lamp").total).toBe(0);
    expect(index.size).toBe(n - 1);
    const copy = MessageIndex.load(JSON.parse(JSON.stringify(index.toJSON())));
    expect(copy.search("common", { limit: 3 }).hits.map((h) => h.seq)).toEqual([17000, 16999, 16998]);
    expect(copy.size).toBe(n - 1);
  });

  test("toJSON and load: the same results after a round trip through JSON", () => {
    const index = sample();
    index.toJSON(); // made once: a change after it is in the next one
    index.remove("dm:1:2", 5);
    index.edit("dm:1:2", 1, "Shall we meet at the harbour tomorrow?");
    const copy = MessageIndex.load(JSON.parse(JSON.stringify(index.toJSON())));
    expect(copy.size).toBe(4);
    for (const q of ["station", "harbour", "天气", "车站", "park", "タワー"])
      expect(seqs(copy, q)).toEqual(seqs(index, q));
    expect(seqs(copy, "harbour")).toEqual([1]);
    copy.edit("dm:1:2", 1, "different words");
    expect(seqs(copy, "different")).toEqual([1]);
    expect(() => MessageIndex.load({})).toThrow();
  });
});
