import { useId } from "react";
import { useI18n } from "../i18n/I18nProvider.js";
import { LANGUAGES, isLanguage } from "../i18n/languages.js";

/** Language names are written in their own language, so anyone can find theirs. */
export function LanguageSelect({
  compact = false,
  labelHidden = compact,
}: {
  compact?: boolean;
  labelHidden?: boolean;
}) {
  const { t, lang, setLang } = useI18n();
  const id = useId();
  return (
    <div className={compact ? "lang-select lang-select-compact" : "lang-select"}>
      <label htmlFor={id} className={labelHidden ? "sr-only" : "field-label"}>
        {t("settings.language")}
      </label>
      <select
        id={id}
        className="select"
        value={lang}
        onChange={(e) => {
          if (isLanguage(e.target.value)) setLang(e.target.value);
        }}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`lang.${l}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
