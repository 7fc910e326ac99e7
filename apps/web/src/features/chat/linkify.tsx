/**
 * Web addresses in a message become links: only http(s), opened in a new tab without access to this
 * page (noopener) and without a referrer. Everything else stays text, so nothing in a message can
 * become markup.
 */
import type { ReactNode } from "react";

/** Chinese text runs on without spaces: its full-width punctuation ends an address too. */
const URL_RE = /\bhttps?:\/\/[^\s<>"，。！？；：、「」『』（）【】]+/gi;
/** Punctuation that ends a sentence rather than the address ("see https://x.org."). */
const TRAILING = /[.,;:!?'")\]}>]+$/;

export function linkify(text: string): ReactNode[] {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index;
    const url = match[0].replace(TRAILING, "");
    if (start > last) parts.push(text.slice(last, start));
    parts.push(
      <a key={start} href={url} target="_blank" rel="noopener noreferrer nofollow" className="msg-link">
        {url}
      </a>,
    );
    last = start + url.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
