/**
 * Terms of a message for the search index, with where each one is in the text (for highlights).
 *
 * Words come from `Intl.Segmenter` (granularity "word"; Node 20 and every current browser have it):
 * it splits scripts written without spaces (Thai, Lao, Khmer, Burmese, Japanese kana...) by the
 * platform's dictionaries, and spaced scripts at their spaces and punctuation. Chinese and Japanese
 * ideographs (and kana) are then indexed as overlapping character pairs (bigrams) over each run of
 * them, the way Lucene's CJK analyser does, rather than as the segmenter's words: a dictionary's
 * word boundaries differ between the sentence indexed and the two characters typed into the search
 * box ("天气" must find "今天天气很好" whether or not the dictionary made "天气" a word there), and a
 * pair of characters is specific enough to find a message among thousands. A run of one character
 * is one term; a one-character query matches as a prefix of the pairs (search.ts).
 *
 * Terms are NFKC-normalised and lower-cased (full-width Latin, ligatures and case fold together).
 */

/** One term and the range of the original text it came from (UTF-16 offsets, end exclusive). */
export interface Token {
  term: string;
  start: number;
  end: number;
}

/** Han ideographs, Hiragana, Katakana (and their extensions, marks of iteration): indexed as pairs. */
const CJK = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3005\u30fc]+$/u;

let segmenter: Intl.Segmenter | undefined;
/** One segmenter for the process: making one loads ICU data, and it holds no state between calls. */
function words(): Intl.Segmenter {
  return (segmenter ??= new Intl.Segmenter(undefined, { granularity: "word" }));
}

export function normalizeTerm(term: string): string {
  return term.normalize("NFKC").toLowerCase();
}

/** The terms of `text`, in order, with their ranges. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  // A run of CJK characters may span several segmenter words: pairs go across their boundaries.
  let run: { chars: Array<{ ch: string; at: number }> } = { chars: [] };
  const flush = () => {
    const { chars } = run;
    if (chars.length === 1) {
      const c = chars[0]!;
      out.push({ term: normalizeTerm(c.ch), start: c.at, end: c.at + c.ch.length });
    }
    for (let i = 0; i + 1 < chars.length; i++) {
      const a = chars[i]!;
      const b = chars[i + 1]!;
      out.push({ term: normalizeTerm(a.ch + b.ch), start: a.at, end: b.at + b.ch.length });
    }
    run = { chars: [] };
  };
  for (const seg of words().segment(text)) {
    if (!seg.isWordLike) {
      flush();
      continue;
    }
    if (CJK.test(seg.segment)) {
      let at = seg.index;
      for (const ch of seg.segment) {
        run.chars.push({ ch, at });
        at += ch.length;
      }
      continue;
    }
    flush();
    out.push({ term: normalizeTerm(seg.segment), start: seg.index, end: seg.index + seg.segment.length });
  }
  flush();
  return out;
}

/** Just the terms (what the index stores). */
export function terms(text: string): string[] {
  return tokenize(text).map((t) => t.term);
}
