/**
 * Web addresses in a message become links: only http(s), opened in a new tab without access to this
 * page (noopener) and without a referrer. Everything else stays text, so nothing in a message can
 * become markup.
 */
import type { ReactNode } from "react";

/**
 * Chinese text runs on without spaces: its full-width punctuation ends an address too. So does an
 * invisible format character (bidi controls, zero-width ones): inside a link's text it would make
 * the address look like another (".../\u202Egpj.exe" shows as ".../exe.jpg"), so the link stops there.
 */
const URL_RE = /\bhttps?:\/\/[^\s<>"，。！？；：、「」『』（）【】\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]+/gi;
/** Punctuation that ends a sentence rather than the address ("see https://x.org."). */
const TRAILING = /[.,;:!?'")\]}>]+$/;

/** `linkTabIndex`: -1 keeps the links of messages other than the timeline's focused one out of the Tab order. */
export function linkify(text: string, linkTabIndex?: number): ReactNode[] {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index;
    const url = match[0].replace(TRAILING, "");
    if (start > last) parts.push(text.slice(last, start));
    parts.push(
      // Left to right in an isolate of its own: the address reads as it is, whatever surrounds it.
      <a
        key={start}
        href={url}
        target="_blank"
        rel="noopener noreferrer nofollow"
        className="msg-link"
        dir="ltr"
        tabIndex={linkTabIndex}
      >
        {url}
      </a>,
    );
    last = start + url.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
