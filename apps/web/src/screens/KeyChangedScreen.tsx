import { useId, useState, type FormEvent } from "react";
import { Fingerprint } from "../components/Fingerprint.js";
import { WarningIcon } from "../components/Icons.js";
import { LanguageSelect } from "../components/LanguageSelect.js";
import { Logo } from "../components/Logo.js";
import { useI18n } from "../i18n/I18nProvider.js";
import { useFocusOnMount } from "../lib/hooks.js";
import { fingerprintOf } from "../state/server-key.js";

export const CONFIRM_LENGTH = 8;

/** Whether what the user typed is the start of the new key (colons, spaces and case ignored). */
export function confirmsKey(typed: string, actualKeyId: string): boolean {
  const clean = typed.replace(/[:\s]/g, "").toLowerCase();
  return clean.length === CONFIRM_LENGTH && clean === actualKeyId.slice(0, CONFIRM_LENGTH).toLowerCase();
}

export interface KeyChangedProps {
  host: string;
  /** Hex key ids: the pinned one and the one the server presented. */
  expected: string;
  actual: string;
  onTrust(): Promise<void>;
}

/**
 * The loud stop when the server key differs from the pin: both fingerprints, what to do, and no way
 * to sign in. Accepting the new key is deliberately awkward: behind a disclosure, and only after
 * typing the start of the new fingerprint, which makes the user look at it.
 */
export function KeyChangedScreen({ host, expected, actual, onTrust }: KeyChangedProps) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const inputId = useId();
  const [typed, setTyped] = useState("");
  const [pending, setPending] = useState(false);
  const oldFp = fingerprintOf(expected);
  const newFp = fingerprintOf(actual);
  const confirmed = confirmsKey(typed, actual);
  const wrong = !confirmed && typed.replace(/[:\s]/g, "").length >= CONFIRM_LENGTH;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!confirmed || pending) return;
    setPending(true);
    try {
      await onTrust();
    } finally {
      setPending(false);
    }
  };

  return (
    <div className="alarm">
      <header className="alarm-top">
        <Logo size={28} />
        <LanguageSelect compact />
      </header>
      <main id="main" className="alarm-main" aria-labelledby="kc-heading">
        <div className="alarm-icon">
          <WarningIcon size={40} />
        </div>
        <h1 id="kc-heading" className="alarm-title" tabIndex={-1} ref={heading}>
          {t("keyChanged.title")}
        </h1>
        <p className="alarm-lead">{t("keyChanged.lead", { host })}</p>
        <p className="alarm-stopped">{t("keyChanged.stopped")}</p>

        <div className="fp-compare">
          <Fingerprint value={oldFp} label={t("keyChanged.expected")} tone="old" testId="key-expected" />
          <Fingerprint value={newFp} label={t("keyChanged.actual")} tone="new" compareTo={oldFp} testId="key-actual" />
        </div>

        <section className="alarm-advice" aria-labelledby="kc-todo">
          <h2 id="kc-todo">{t("keyChanged.whatToDo")}</h2>
          <p>{t("keyChanged.advice")}</p>
        </section>

        <details className="override">
          <summary>{t("keyChanged.override")}</summary>
          <form className="override-form" onSubmit={onSubmit} noValidate>
            <p>{t("keyChanged.overrideHelp")}</p>
            <label className="field-label" htmlFor={inputId}>
              {t("keyChanged.overrideField")}
            </label>
            <input
              id={inputId}
              className="field-input override-input"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              autoCapitalize="off"
              autoCorrect="off"
              spellCheck={false}
              maxLength={CONFIRM_LENGTH + 2}
              aria-invalid={wrong ? true : undefined}
              aria-describedby={`${inputId}-error`}
            />
            <p id={`${inputId}-error`} className="field-error" aria-live="polite">
              {wrong ? t("keyChanged.overrideMismatch") : ""}
            </p>
            <button type="submit" className="btn btn-danger" disabled={!confirmed || pending}>
              {t("keyChanged.trust")}
            </button>
          </form>
        </details>
      </main>
    </div>
  );
}
