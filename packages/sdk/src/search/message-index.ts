/**
 * The full-text index of the messages a device can read (docs/SEARCH.md): MiniSearch (a maintained
 * inverted index with a radix tree of terms, prefix search, removal and a JSON form) over the
 * terms of tokenize.ts. One document per message, keyed by conversation and seq; it stores what a
 * result shows (sender, time, the text for the snippet), so results need nothing else loaded.
 *
 * MiniSearch over FlexSearch: it takes a custom tokenizer and keeps terms as given (FlexSearch's
 * encoders rewrite them), removes and replaces documents by id, serialises to a plain object that
 * IndexedDB stores as it is, ships its own types and an ES module, and measured within the 50 ms
 * budget at 100,000 messages (BENCHMARKS.md, `npm run bench:search -w @sealroom/bench`).
 */
import MiniSearch, { type AsPlainObject, type Options, type SearchResult } from "minisearch";
import { AppError } from "@sealroom/proto/errors";
import { z } from "zod";
import { SEARCH_QUERY_MAX } from "./limits.js";
import { terms, tokenize } from "./tokenize.js";

/** A message as the index holds it. */
export interface IndexedMessage {
  conversationId: string;
  seq: number;
  senderId: number;
  ts: number;
  text: string;
  /**
   * The hook for attachments (issue 17's other half): a message carrying files sets it, and the
   * `hasAttachment` filter keeps or drops such messages. Nothing sets it yet.
   */
  hasAttachment?: boolean;
}

export interface SearchFilters {
  conversationId?: string;
  senderId?: number;
  /** Sent at or after (Unix ms). */
  from?: number;
  /** Sent before (Unix ms, exclusive). */
  to?: number;
  /** Only messages with (true) or without (false) attachments; see `IndexedMessage.hasAttachment`. */
  hasAttachment?: boolean;
}

export interface SearchOptions extends SearchFilters {
  /** At most this many hits (default 50, at most 500). */
  limit?: number;
  /** `recent` (default): newest first, as chat apps list them; `relevance`: by score. */
  order?: "recent" | "relevance";
}

/** A range of a snippet to highlight (UTF-16 offsets into `snippet.text`, end exclusive). */
export type Range = readonly [start: number, end: number];

export interface SearchHit {
  conversationId: string;
  seq: number;
  senderId: number;
  ts: number;
  score: number;
  /** The text around the first match; `cutStart`/`cutEnd`: text was left out before/after it. */
  snippet: { text: string; highlights: Range[]; cutStart: boolean; cutEnd: boolean };
}

export interface SearchResults {
  hits: SearchHit[];
  /** How many messages matched (hits are the first `limit` of them); at least that many if not `exact`. */
  total: number;
  /** Whether `total` counts every match (a newest-first search stops reading once it has its hits). */
  exact: boolean;
}

const SNIPPET_CHARS = 160;
const LIMIT_DEFAULT = 50;
const LIMIT_MAX = 500;

type Doc = IndexedMessage & { id: string };

const OPTIONS: Options<Doc> = {
  idField: "id",
  fields: ["text"],
  storeFields: ["conversationId", "seq", "senderId", "ts", "text", "hasAttachment"],
  tokenize: (text: string) => terms(text),
  // Terms come normalised from tokenize; MiniSearch's default would lower-case them again.
  processTerm: (term: string) => term,
};

export const docId = (conversationId: string, seq: number) => `${conversationId}/${seq}`;

/**
 * Messages per shard. The index is a list of MiniSearch indexes (shards) filled in turn: a
 * newest-first search reads the shards newest first and stops once no shard left can hold a newer
 * match than the `limit` it has, so a word in a third of all messages costs one shard's matches,
 * not 30,000 scored, built and sorted results (BENCHMARKS.md).
 */
const SHARD_DOCS = 8192;

interface Shard {
  mini: MiniSearch<Doc>;
  /** The newest `ts` ever added (an upper bound: removals leave it). */
  maxTs: number;
  /**
   * The shard's plain form as last made by `toJSON`, until it changes: a save after a new message
   * redoes one shard, not the seconds a whole large index takes (BENCHMARKS.md).
   */
  json?: AsPlainObject | undefined;
}

/**
 * What `toJSON` gives and `load` takes (plain data: JSON or IndexedDB's structured clone). Only the
 * outer shape is checked here; MiniSearch's loader refuses a shard index it cannot read.
 */
const indexJsonSchema = z.object({
  shards: z.array(
    z.object({
      maxTs: z.number(),
      index: z.custom<AsPlainObject>((v) => typeof v === "object" && v !== null && !Array.isArray(v)),
    }),
  ),
});
export type IndexJson = z.infer<typeof indexJsonSchema>;

export class MessageIndex {
  private constructor(private readonly shards: Shard[]) {}

  static empty(): MessageIndex {
    return new MessageIndex([]);
  }

  /** From `toJSON`'s form; throws on anything else (the caller rebuilds). */
  static load(js: unknown): MessageIndex {
    return new MessageIndex(
      checkedShards(js).map((s) => ({ maxTs: s.maxTs, mini: MiniSearch.loadJS<Doc>(s.index, OPTIONS) })),
    );
  }

  /**
   * `load` in slices that yield to the event loop between them (MiniSearch's own): rebuilding the
   * terms' trees of a large index takes seconds (BENCHMARKS.md), which must not freeze a page.
   */
  static async loadAsync(js: unknown): Promise<MessageIndex> {
    const shards: Shard[] = [];
    for (const s of checkedShards(js))
      shards.push({ maxTs: s.maxTs, mini: await MiniSearch.loadJSAsync<Doc>(s.index, OPTIONS) });
    return new MessageIndex(shards);
  }

  toJSON(): IndexJson {
    return { shards: this.shards.map((s) => ({ maxTs: s.maxTs, index: (s.json ??= s.mini.toJSON()) })) };
  }

  get size(): number {
    return this.shards.reduce((n, s) => n + s.mini.documentCount, 0);
  }

  has(conversationId: string, seq: number): boolean {
    return this.shardOf(docId(conversationId, seq)) !== undefined;
  }

  /** Adds or replaces the message; an empty text (a deleted message) removes it. */
  put(m: IndexedMessage): void {
    const id = docId(m.conversationId, m.seq);
    let shard = this.shardOf(id);
    if (shard) {
      shard.mini.discard(id);
      shard.json = undefined;
    }
    if (m.text.trim() === "") return;
    if (!shard) {
      shard = this.shards.at(-1);
      if (!shard || shard.mini.documentCount >= SHARD_DOCS) {
        shard = { mini: new MiniSearch<Doc>(OPTIONS), maxTs: -Infinity };
        this.shards.push(shard);
      }
    }
    shard.mini.add({ ...m, hasAttachment: m.hasAttachment ?? false, id });
    shard.maxTs = Math.max(shard.maxTs, m.ts);
    shard.json = undefined;
  }

  /** The message's new text, if the index holds it (an edit of a message never loaded waits for it). */
  edit(conversationId: string, seq: number, text: string): void {
    const id = docId(conversationId, seq);
    const held = this.shardOf(id)?.mini.getStoredFields(id) as Doc | undefined;
    if (held) this.put({ ...held, text });
  }

  remove(conversationId: string, seq: number): void {
    const id = docId(conversationId, seq);
    const shard = this.shardOf(id);
    if (!shard) return;
    shard.mini.discard(id);
    shard.json = undefined;
  }

  /**
   * The messages with every word of `query` (the last one may be unfinished). Newest first (the
   * default): `total` counts the matches in the shards read, `exact` says whether that was all of
   * them. By relevance: every shard is read.
   */
  search(query: string, opts: SearchOptions = {}): SearchResults {
    if (query.length > SEARCH_QUERY_MAX) throw new AppError("PAYLOAD_TOO_LARGE");
    const qterms = terms(query);
    if (qterms.length === 0) return { hits: [], total: 0, exact: true };
    const last = qterms.length - 1;
    const limit = Math.min(Math.max(1, opts.limit ?? LIMIT_DEFAULT), LIMIT_MAX);
    const searchOpts: MiniSearchOptions = {
      combineWith: "AND",
      // Space-free search boxes are typed into: the last word may be unfinished. A lone CJK
      // character matches the pairs it starts (tokenize.ts); short Latin prefixes would expand to
      // thousands of terms, so a prefix is at least two characters long.
      prefix: (term, i) => i === last && (term.length >= 2 || isCjk(term)),
      tokenize: () => qterms,
      processTerm: (term) => term,
      filter: (r) => matches(r, opts),
    };
    const q = qterms.join(" ");
    if (opts.order === "relevance") {
      const all = this.shards.flatMap((s) => s.mini.search(q, searchOpts)).sort((a, b) => b.score - a.score);
      return { hits: all.slice(0, limit).map(hit), total: all.length, exact: true };
    }
    const byTs = (a: SearchResult, b: SearchResult) => (b["ts"] as number) - (a["ts"] as number);
    const order = [...this.shards].sort((a, b) => b.maxTs - a.maxTs);
    let found: SearchResult[] = [];
    let total = 0;
    let exact = true;
    for (const shard of order) {
      if (found.length >= limit) {
        found.sort(byTs);
        found.length = limit; // only the newest `limit` can show
        // Every shard left is older than the limit-th newest match: none of theirs would show.
        if (shard.maxTs < (found[limit - 1]!["ts"] as number)) {
          exact = false;
          break;
        }
      }
      const results = shard.mini.search(q, searchOpts);
      total += results.length;
      found = found.concat(results);
    }
    found.sort(byTs);
    return { hits: found.slice(0, limit).map(hit), total, exact };
  }

  private shardOf(id: string): Shard | undefined {
    // A handful of shards (12 at 100,000 messages): a map of every id would cost more than it saves.
    for (let i = this.shards.length - 1; i >= 0; i--) if (this.shards[i]!.mini.has(id)) return this.shards[i];
    return undefined;
  }
}

type MiniSearchOptions = NonNullable<Parameters<MiniSearch<Doc>["search"]>[1]>;

function checkedShards(js: unknown): IndexJson["shards"] {
  const parsed = indexJsonSchema.safeParse(js);
  if (!parsed.success) throw new TypeError("not a search index");
  return parsed.data.shards;
}

const isCjk = (term: string) => /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u.test(term);

function matches(r: SearchResult, f: SearchFilters): boolean {
  if (f.conversationId !== undefined && r["conversationId"] !== f.conversationId) return false;
  if (f.senderId !== undefined && r["senderId"] !== f.senderId) return false;
  const ts = r["ts"] as number;
  if (f.from !== undefined && ts < f.from) return false;
  if (f.to !== undefined && ts >= f.to) return false;
  if (f.hasAttachment !== undefined && r["hasAttachment"] !== f.hasAttachment) return false;
  return true;
}

function hit(r: SearchResult): SearchHit {
  return {
    conversationId: r["conversationId"] as string,
    seq: r["seq"] as number,
    senderId: r["senderId"] as number,
    ts: r["ts"] as number,
    score: r.score,
    snippet: snippet(r["text"] as string, new Set(r.terms)),
  };
}

/**
 * The text around the first matched term, at most SNIPPET_CHARS long, with the ranges of every
 * matched term in it (the message's own tokens whose term matched, so highlights follow the same
 * segmentation as the index: a Chinese pair, a whole word for a prefix typed).
 */
export function snippet(text: string, matched: ReadonlySet<string>): SearchHit["snippet"] {
  const ranges = mergeRanges(
    tokenize(text)
      .filter((t) => matched.has(t.term))
      .map((t) => [t.start, t.end] as const),
  );
  const first = ranges[0]?.[0] ?? 0;
  let start = 0;
  if (text.length > SNIPPET_CHARS && first > SNIPPET_CHARS / 4) {
    start = Math.min(first - Math.floor(SNIPPET_CHARS / 4), text.length - SNIPPET_CHARS);
    // Not in the middle of a surrogate pair.
    if (/[\udc00-\udfff]/.test(text[start] ?? "")) start++;
  }
  let end = Math.min(text.length, start + SNIPPET_CHARS);
  if (/[\udc00-\udfff]/.test(text[end] ?? "")) end++;
  const highlights = ranges
    .filter(([s, e]) => s < end && e > start)
    .map(([s, e]) => [Math.max(s, start) - start, Math.min(e, end) - start] as const);
  return { text: text.slice(start, end), highlights, cutStart: start > 0, cutEnd: end < text.length };
}

/** Overlapping or touching ranges (a run of Chinese pairs) as one. Input in start order. */
function mergeRanges(ranges: Array<readonly [number, number]>): Range[] {
  const out: Array<[number, number]> = [];
  for (const [s, e] of ranges) {
    const prev = out[out.length - 1];
    if (prev && s <= prev[1]) prev[1] = Math.max(prev[1], e);
    else out.push([s, e]);
  }
  return out;
}
