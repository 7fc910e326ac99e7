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
  /** How many messages matched (hits are the first `limit` of them). */
  total: number;
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

export class MessageIndex {
  private constructor(private readonly mini: MiniSearch<Doc>) {}

  static empty(): MessageIndex {
    return new MessageIndex(new MiniSearch<Doc>(OPTIONS));
  }

  /** From `toJSON`'s form; throws on anything else (the caller rebuilds). */
  static load(js: AsPlainObject): MessageIndex {
    return new MessageIndex(MiniSearch.loadJS<Doc>(js, OPTIONS));
  }

  toJSON(): AsPlainObject {
    return this.mini.toJSON();
  }

  get size(): number {
    return this.mini.documentCount;
  }

  has(conversationId: string, seq: number): boolean {
    return this.mini.has(docId(conversationId, seq));
  }

  /** Adds or replaces the message; an empty text (a deleted message) removes it. */
  put(m: IndexedMessage): void {
    const id = docId(m.conversationId, m.seq);
    if (this.mini.has(id)) this.mini.discard(id);
    if (m.text.trim() === "") return;
    this.mini.add({ ...m, hasAttachment: m.hasAttachment ?? false, id });
  }

  /** The message's new text, if the index holds it (an edit of a message never loaded waits for it). */
  edit(conversationId: string, seq: number, text: string): void {
    const held = this.mini.getStoredFields(docId(conversationId, seq)) as Doc | undefined;
    if (held) this.put({ ...held, text });
  }

  remove(conversationId: string, seq: number): void {
    const id = docId(conversationId, seq);
    if (this.mini.has(id)) this.mini.discard(id);
  }

  search(query: string, opts: SearchOptions = {}): SearchResults {
    const qterms = terms(query);
    if (qterms.length === 0) return { hits: [], total: 0 };
    const last = qterms.length - 1;
    const results = this.mini.search(qterms.join(" "), {
      combineWith: "AND",
      // Space-free search boxes are typed into: the last word may be unfinished. A lone CJK
      // character matches the pairs it starts (tokenize.ts); short Latin prefixes would expand to
      // thousands of terms, so a prefix is at least two characters long.
      prefix: (term, i) => i === last && (term.length >= 2 || isCjk(term)),
      tokenize: () => qterms,
      processTerm: (term) => term,
      filter: (r) => matches(r, opts),
    });
    if (opts.order !== "relevance") results.sort((a, b) => (b["ts"] as number) - (a["ts"] as number));
    const limit = Math.min(Math.max(1, opts.limit ?? LIMIT_DEFAULT), LIMIT_MAX);
    return { hits: results.slice(0, limit).map(hit), total: results.length };
  }
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
