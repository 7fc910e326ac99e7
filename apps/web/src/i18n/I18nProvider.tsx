import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { MessageKey } from "./en.js";
import { describeError, type DescribeOptions } from "./errors.js";
import { LANGUAGE_STORAGE_KEY, initialLanguage, isLanguage, translate, type Language, type Vars } from "./languages.js";

export interface I18n {
  lang: Language;
  setLang(lang: Language): void;
  t(key: MessageKey, vars?: Vars): string;
  describeError(err: unknown, opts?: DescribeOptions): string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ children, language }: { children: ReactNode; language?: Language }) {
  const [lang, setLangState] = useState<Language>(
    () => language ?? initialLanguage(safeStorage(), globalThis.navigator?.languages ?? []),
  );

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  // The language chosen in another tab of this site: this one follows, as it would after a reload.
  useEffect(() => {
    if (language) return;
    const follow = (e: StorageEvent) => {
      if (e.key === LANGUAGE_STORAGE_KEY && isLanguage(e.newValue)) setLangState(e.newValue);
    };
    window.addEventListener("storage", follow);
    return () => window.removeEventListener("storage", follow);
  }, [language]);

  const setLang = useCallback((next: Language) => {
    setLangState(next);
    try {
      safeStorage()?.setItem(LANGUAGE_STORAGE_KEY, next);
    } catch {
      // not persisted; the choice still applies to this page
    }
  }, []);

  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      describeError: (err, opts) => describeError(lang, err, opts),
    }),
    [lang, setLang],
  );
  return <I18nContext value={value}>{children}</I18nContext>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error("useI18n() outside <I18nProvider>");
  return ctx;
}

function safeStorage(): Storage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}
