/**
 * The rules for message text, shared by the gateway (through the command schemas), the chat service
 * and clients checking before they send. Re-exported by chat.ts.
 */
import { CHAT_LIMITS } from "./chat-limits.js";

/** Controls other than tab, line feed and carriage return. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/u;
/** What does not count as content: white space and invisible format characters. */
const BLANK = /[\s\p{Cf}]/gu;

export type TextCheck = { ok: true } | { ok: false; reason: "empty" | "too-long" | "characters" | "bidi" };

/** Explicit bidi embeddings and overrides (closed by PDF) and isolates (closed by PDI). */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/gu;
/** Where the Unicode bidi algorithm ends a paragraph, closing whatever is still open. */
// eslint-disable-next-line no-control-regex -- U+001C-U+001E are paragraph separators to the bidi algorithm
const PARAGRAPH_END = /\r\n|[\n\r\u001C-\u001E\u0085\u2029]/u;

/**
 * Whether every bidi embedding, override and isolate in the text is closed, in order, within its
 * line. An unclosed override (U+202E) reverses everything after it that shares its paragraph in
 * the reader's view (a link's path, the time next to the message), and an unmatched closer can
 * end an embedding the surrounding page opened; paired ones are ordinary right-to-left writing.
 */
export function bidiPaired(text: string): boolean {
  for (const line of text.split(PARAGRAPH_END)) {
    const open: ("embed" | "isolate")[] = [];
    for (const [c] of line.matchAll(BIDI_CONTROL)) {
      if (c === "\u202C") {
        if (open.pop() !== "embed") return false;
      } else if (c === "\u2069") {
        // Strictly nested: an embedding still open inside the isolate is unpaired.
        if (open.pop() !== "isolate") return false;
      } else {
        open.push(c >= "\u2066" ? "isolate" : "embed");
      }
    }
    if (open.length > 0) return false;
  }
  return true;
}

/**
 * The service's rule for message text, for clients to check before sending: 1 to 4,000 code points,
 * not only white space or invisible characters, no control characters but tab and newlines, and
 * no unpaired bidi control (see bidiPaired).
 */
export function checkMessageText(text: string): TextCheck {
  if (text.length > CHAT_LIMITS.textMax * 2 || [...text].length > CHAT_LIMITS.textMax)
    return { ok: false, reason: "too-long" };
  if (text.replace(BLANK, "") === "") return { ok: false, reason: "empty" };
  if (FORBIDDEN_IN_TEXT.test(text)) return { ok: false, reason: "characters" };
  if (!bidiPaired(text)) return { ok: false, reason: "bidi" };
  return { ok: true };
}

/** How long a text is for the limit: Unicode code points (an emoji is one). */
export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The first `previewMax` code points of a text, for notifications and conversation lists. */
export function previewOf(text: string): string {
  const chars = [...text];
  return chars.length <= CHAT_LIMITS.previewMax ? text : `${chars.slice(0, CHAT_LIMITS.previewMax - 1).join("")}…`;
}
