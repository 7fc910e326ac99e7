/**
 * Character and script rules for names people see (usernames, group names), after Unicode UTS #39
 * ("Unicode Security Mechanisms"). Only the JavaScript regular expression engine's own Unicode data
 * is used (property escapes), so the rules cost the web bundle nothing and match the server's.
 * The confusable-skeleton reservation of usernames lives in the auth service (it needs the
 * confusables table); these rules decide what may be registered at all.
 */

/**
 * Invisible characters: every Default_Ignorable_Code_Point (zero-width spaces and joiners, word
 * joiner, BOM, bidi marks, the combining grapheme joiner, Hangul fillers, tag characters, ...) and
 * every variation selector. Beside `victim` they made a second, identical-looking account.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Variation_Selector}]/u;

/**
 * The scripts a username may use: UTS #31's "Recommended" scripts (in modern customary use). Others
 * (historic scripts, or ones such as Cherokee full of Latin look-alikes) are refused.
 */
const RECOMMENDED = [
  "Arab",
  "Armn",
  "Beng",
  "Bopo",
  "Cyrl",
  "Deva",
  "Ethi",
  "Geor",
  "Grek",
  "Gujr",
  "Guru",
  "Hang",
  "Hani",
  "Hebr",
  "Hira",
  "Kana",
  "Khmr",
  "Knda",
  "Laoo",
  "Latn",
  "Mlym",
  "Mymr",
  "Orya",
  "Sinh",
  "Taml",
  "Telu",
  "Thaa",
  "Thai",
  "Tibt",
] as const;
const PROBES = RECOMMENDED.map((script) => [script, new RegExp(`^\\p{Script_Extensions=${script}}$`, "u")] as const);
const COMMON_OR_INHERITED = /^[\p{Script=Common}\p{Script=Inherited}]$/u;
const MARK = /^\p{M}$/u;
const LETTER = /^\p{L}$/u;

/** The writing systems UTS #39 treats as one script each: Han with its companions (section 5.1). */
const AUGMENT: Record<string, string[]> = {
  Hani: ["Jpan", "Kore", "Hanb"],
  Hira: ["Jpan"],
  Kana: ["Jpan"],
  Hang: ["Kore"],
  Bopo: ["Hanb"],
};
const CJK = ["Jpan", "Kore", "Hanb"];

/**
 * The Recommended scripts a character is used with (its Script_Extensions, augmented), `"any"` for a
 * Common or Inherited character used with every script (digits, `_ . -`), `undefined` for a character
 * of no Recommended script.
 */
function scriptsOf(char: string): Set<string> | "any" | undefined {
  const scripts = new Set<string>();
  for (const [script, probe] of PROBES) {
    if (!probe.test(char)) continue;
    scripts.add(script);
    for (const more of AUGMENT[script] ?? []) scripts.add(more);
  }
  if (scripts.size > 0) return scripts;
  return COMMON_OR_INHERITED.test(char) ? "any" : undefined;
}

function intersect(sets: Array<Set<string>>): Set<string> | "any" {
  const [first, ...rest] = sets;
  if (!first) return "any";
  return new Set([...first].filter((s) => rest.every((set) => set.has(s))));
}

/** Most combining marks on one letter (UTS #39 section 5.4 suggests 4). */
const MAX_MARKS = 4;

/**
 * Why a name (already NFKC-normalized and within the allowed classes) must not be a username:
 * `"characters"` for an invisible character, a character of no Recommended script, or a combining
 * mark that does not attach to a letter of its own script (U+0338 after a Latin letter, a mark after
 * `_`, five marks stacked); `"script"` when the name is not "highly restrictive" (UTS #39 section 5.2):
 * all of it one script, or Latin with Han + Hiragana + Katakana, Han + Bopomofo, or Han + Hangul.
 */
export function usernameProblem(name: string): "characters" | "script" | undefined {
  if (INVISIBLE.test(name)) return "characters";
  const chars = [...name];
  const perChar: Array<Set<string>> = [];
  const latin: boolean[] = [];
  let base: { scripts: Set<string> | "any" } | undefined;
  let marks = 0;
  for (const [i, char] of chars.entries()) {
    const scripts = scriptsOf(char);
    if (MARK.test(char)) {
      // A mark belongs to the letter before it and must share a script with it.
      if (!base || ++marks > MAX_MARKS || chars[i - 1] === char || scripts === undefined) return "characters";
      const own = scripts === "any" ? undefined : scripts;
      const of = base.scripts;
      if (!own || (of !== "any" && ![...own].some((s) => of.has(s)))) return "characters";
      continue;
    }
    marks = 0;
    if (scripts === undefined) return "characters";
    base = LETTER.test(char) ? { scripts } : undefined;
    if (scripts === "any") continue;
    perChar.push(scripts);
    latin.push(scripts.has("Latn"));
  }
  const all = intersect(perChar);
  if (all === "any" || all.size > 0) return undefined;
  // Latin beside one of the CJK writing systems is the one mixture allowed.
  const rest = intersect(perChar.filter((_, i) => !latin[i]));
  if (rest !== "any" && CJK.some((s) => rest.has(s))) return undefined;
  return "script";
}

/** A zero width joiner is allowed between two pictographs (emoji sequences such as 👨‍👩‍👧). */
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;
const EMOJI_VS = /^[\uFE0E\uFE0F]$/u;

/**
 * Whether a free-form name (a group's) hides invisible characters: any default-ignorable character or
 * variation selector, except an emoji presentation selector after a visible character and a zero width
 * joiner between two pictographs, which emoji need.
 */
export function hasInvisible(name: string): boolean {
  const chars = [...name];
  return chars.some((char, i) => {
    if (!INVISIBLE.test(char)) return false;
    const before = chars[i - 1];
    const after = chars[i + 1];
    if (EMOJI_VS.test(char)) return before === undefined || INVISIBLE.test(before) || /\s/u.test(before);
    if (char === "\u200D") {
      // The pictograph before may carry its own presentation selector.
      const prev = before !== undefined && EMOJI_VS.test(before) ? chars[i - 2] : before;
      return !(prev !== undefined && PICTOGRAPH.test(prev) && after !== undefined && PICTOGRAPH.test(after));
    }
    return true;
  });
}
