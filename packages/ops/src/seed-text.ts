/** Message text of the original chat room within Sealroom's rules (proto's checkMessageText). */
import { bidiPaired, CHAT_LIMITS, checkMessageText } from "@sealroom/proto/chat";

// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/gu;
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/gu;

export interface CleanText {
  /** One entry per part: a text longer than Sealroom's limit is split, in order, never cut. */
  parts: string[];
  /** Control characters or unpaired bidi controls were removed. */
  cleaned: boolean;
}

function tidy(text: string): { text: string; cleaned: boolean } {
  let out = text.replace(CONTROLS, "");
  if (!bidiPaired(out)) out = out.replace(BIDI_CONTROLS, "");
  return { text: out, cleaned: out !== text };
}

/** The parts to store, or undefined for a text with nothing to show (empty, blank, invisible). */
export function cleanMessageText(raw: string): CleanText | undefined {
  const whole = tidy(raw);
  let cleaned = whole.cleaned;
  const chars = [...whole.text];
  const parts: string[] = [];
  for (let i = 0; i < chars.length; i += CHAT_LIMITS.textMax) {
    // A part may split a bidi pair: tidy each part again.
    const part = tidy(chars.slice(i, i + CHAT_LIMITS.textMax).join(""));
    cleaned ||= part.cleaned;
    if (checkMessageText(part.text).ok) parts.push(part.text);
  }
  return parts.length === 0 ? undefined : { parts, cleaned };
}
