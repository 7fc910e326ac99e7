/** The interface languages, and choosing one: the saved choice, else the browser's preference. */
import { IntlMessageFormat } from "intl-messageformat";
import type { ErrorCode } from "@sealroom/proto/errors";
import { en, enErrors, type MessageKey, type Messages } from "./en.js";
import { zhCN, zhCNErrors } from "./zh-CN.js";

export const LANGUAGES = ["en", "zh-CN"] as const;
export type Language = (typeof LANGUAGES)[number];

export const CATALOGS: Record<Language, { messages: Messages; errors: Record<ErrorCode, string> }> = {
  en: { messages: en, errors: enErrors },
  "zh-CN": { messages: zhCN, errors: zhCNErrors },
};

export const LANGUAGE_STORAGE_KEY = "sealroom.lang";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/** Any Chinese preference (zh, zh-CN, zh-TW, zh-Hans...) gets Simplified Chinese; everything else English. */
export function languageFromPreferences(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower === "zh" || lower.startsWith("zh-")) return "zh-CN";
    if (lower === "en" || lower.startsWith("en-")) return "en";
  }
  return "en";
}

export function initialLanguage(storage: Pick<Storage, "getItem"> | undefined, preferred: readonly string[]): Language {
  let saved: string | null = null;
  try {
    saved = storage?.getItem(LANGUAGE_STORAGE_KEY) ?? null;
  } catch {
    // storage disabled (privacy mode): fall back to the browser's preference
  }
  return isLanguage(saved) ? saved : languageFromPreferences(preferred);
}

export type Vars = Record<string, string | number>;

/**
 * Messages are ICU MessageFormat (FormatJS's intl-messageformat): `{name}` for a value, and
 * `{count, plural, one {# member} other {# members}}` where the wording depends on a number, which
 * each language says by its own rules (Chinese has one form). Tags are off: a `<` is text.
 */
const formats = new Map<string, IntlMessageFormat>();

export function compiled(lang: Language, key: MessageKey): IntlMessageFormat {
  const id = `${lang}\u0000${key}`;
  let format = formats.get(id);
  if (!format) {
    format = new IntlMessageFormat(CATALOGS[lang].messages[key], lang, undefined, { ignoreTag: true });
    formats.set(id, format);
  }
  return format;
}

export function translate(lang: Language, key: MessageKey, vars?: Vars): string {
  try {
    return String(compiled(lang, key).format(vars));
  } catch {
    // A value the message names was not given (a programming error the catalogue tests look for):
    // the sentence with its placeholder beats a blank screen.
    return CATALOGS[lang].messages[key];
  }
}
