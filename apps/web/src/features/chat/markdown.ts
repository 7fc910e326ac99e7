/**
 * The Markdown subset of messages, parsed on the device (the server only ever sees the text).
 *
 * markdown-it rather than react-markdown + remark-gfm: it is maintained, CommonMark-exact, small
 * (about a third of the unified/mdast/hast chain) and gives a flat token stream that RichText
 * turns into React elements itself, so no HTML string is ever built or injected. It starts from
 * the "zero" preset and only the supported constructs are switched on: raw HTML, headings,
 * images, tables, rules, reference definitions, indented code and entities stay off, so they show
 * as the characters typed.
 *
 * The parser (about 45 KB compressed, mostly markdown-it's entity and link tables) is its own
 * chunk, loaded with the first message shown: until it is there, messages show as plain text.
 */
import type MarkdownItCallable from "markdown-it";
import type { MarkdownIt as Parser, Token } from "markdown-it";
import { useSyncExternalStore } from "react";

/** Deeper quotes/lists than this are not formatted at all (markdown-it would drop what lies past its limit). */
export const MAX_NESTING = 20;

const SAFE_LINK = /^(?:https?:\/\/|mailto:)/i;
const ASCII_WORD = /[A-Za-z0-9]/;

function createParser(MarkdownIt: typeof MarkdownItCallable): Parser {
  /**
   * CommonMark lets `*` emphasise inside a word, so "2*3*4" would lose its stars and "a*b*c" turn
   * italic. Between two ASCII letters or digits `*` and `~` follow `_`'s rule (no emphasis inside
   * a word); elsewhere CommonMark's rule stays, which Chinese needs ("这是**重要**的" has no spaces).
   */
  class WordSafeInline extends MarkdownIt.StateInline {
    override scanDelims(start: number, canSplitWord: boolean) {
      if (!canSplitWord) return super.scanDelims(start, false);
      const marker = this.src.charCodeAt(start);
      let end = start;
      while (end < this.posMax && this.src.charCodeAt(end) === marker) end++;
      const inWord = ASCII_WORD.test(this.src.charAt(start - 1)) && ASCII_WORD.test(this.src.charAt(end));
      return super.scanDelims(start, !inWord);
    }
  }
  const md = new MarkdownIt("zero", {
    html: false,
    linkify: false,
    typographer: false,
    // A line break typed is a line break shown, as in every chat app.
    breaks: true,
    maxNesting: MAX_NESTING,
  });
  md.enable([
    "blockquote",
    "list",
    "fence",
    "newline",
    "escape",
    "backticks",
    "strikethrough",
    "emphasis",
    "link",
    "autolink",
  ]);
  // Only web and mail links; `javascript:`, `data:`, relative paths... stay text.
  md.validateLink = (url) => SAFE_LINK.test(url.trim());
  md.inline.State = WordSafeInline;
  // With images off, "![alt](url)" would still become "!" and a link: it stays text instead.
  md.inline.ruler.before("link", "image_as_text", (state, silent) => {
    if (state.src.charCodeAt(state.pos) !== 0x21 /* ! */ || state.src.charCodeAt(state.pos + 1) !== 0x5b /* [ */)
      return false;
    if (!silent) state.pending += "![";
    state.pos += 2;
    return true;
  });
  return md;
}

// One parser for the page: building it compiles markdown-it's rule chains.
let parser: Parser | undefined;
let loading: Promise<void> | undefined;
const listeners = new Set<() => void>();

/** Loads the parser once; resolves when messages can be formatted. */
export function loadMarkdown(): Promise<void> {
  // A failed load (offline before the chunk came) is forgotten, so a later render tries again.
  loading ??= import("markdown-it").then(
    (m) => {
      parser = createParser(m.default);
      for (const l of listeners) l();
    },
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/** Whether messages can be formatted yet; asks for the parser and re-renders once it is there. */
export function useMarkdownReady(): boolean {
  const ready = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => parser !== undefined,
  );
  if (!ready) void loadMarkdown().catch(() => undefined); // offline before the chunk came: plain text
  return ready;
}

/** The tokens of a message, or undefined while the parser is not loaded. */
export function parseMessage(text: string): Token[] | undefined {
  return parser?.parse(text, {});
}

export type { Token };

/**
 * True when the text has no formatting at all: then it is shown exactly as typed (spaces, blank
 * lines, indentation), not through the Markdown renderer, which would fold them.
 */
export function isPlain(tokens: readonly Token[]): boolean {
  return tokens.every((t) => {
    if (t.type === "paragraph_open" || t.type === "paragraph_close") return true;
    if (t.type !== "inline") return false;
    const children = t.children ?? [];
    if (!children.every((c) => c.type === "text" || c.type === "softbreak")) return false;
    // An escape ("\*") leaves a text token that differs from what was typed.
    const shown = children.map((c) => (c.type === "softbreak" ? "\n" : c.content)).join("");
    return shown === t.content.replace(/[ \t]*\n[ \t]*/g, "\n");
  });
}

/** Too deep for the parser to keep everything: such a message is shown as plain text. */
export function tooDeep(tokens: readonly Token[]): boolean {
  return tokens.some((t) => t.level >= MAX_NESTING - 1);
}

/**
 * The words of a message without its Markdown markers, on one line: for the conversation list's
 * preview and notifications.
 */
export function plainText(text: string): string {
  const tokens = parseMessage(text);
  if (!tokens || tooDeep(tokens)) return oneLine(text);
  const words: string[] = [];
  for (const t of tokens) {
    if (t.type === "fence") words.push(t.content);
    else if (t.type === "inline")
      for (const c of t.children ?? []) {
        if (c.type === "text" || c.type === "code_inline") words.push(c.content);
        else if (c.type === "softbreak" || c.type === "hardbreak") words.push(" ");
      }
    else if (t.nesting === -1 || t.type === "list_item_open") words.push(" ");
  }
  return oneLine(words.join(""));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
