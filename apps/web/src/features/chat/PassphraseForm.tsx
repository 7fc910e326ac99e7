/**
 * Setting or changing the recovery passphrase: typed twice, at least RECOVERY_PASSPHRASE_MIN
 * characters (counted live), with the plain warning of what losing it means. The SDK wraps the
 * backup key under it (argon2id, about a second) and refuses a common one (BAD_REQUEST).
 */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Callout, LiveMessage } from "../../components/Callout.js";
import { Field } from "../../components/Field.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import type { MessageKey } from "../../i18n/en.js";
import { RECOVERY_PASSPHRASE_MIN, passphraseLength } from "./history-backup.js";

export function PassphraseForm({
  replacing,
  onSave,
  onCancel,
}: {
  /** A passphrase is set already: this one replaces it. */
  replacing: boolean;
  onSave(passphrase: string): Promise<void>;
  onCancel(): void;
}) {
  const { t, describeError } = useI18n();
  const [passphrase, setPassphrase] = useState("");
  const [confirm, setConfirm] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const first = useRef<HTMLInputElement>(null);
  const second = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  const length = passphraseLength(passphrase);
  const problems: { passphrase?: MessageKey; confirm?: MessageKey } = {
    ...(length < RECOVERY_PASSPHRASE_MIN ? { passphrase: "backup.form.short" } : {}),
    ...(confirm === ""
      ? { confirm: "backup.form.confirmRequired" }
      : // Exactly as typed: the SDK derives the key from these characters, normalised or not.
        passphrase === confirm
        ? {}
        : { confirm: "backup.form.mismatch" }),
  } as const;
  const shown = (key: MessageKey | undefined) =>
    submitted && key ? t(key, { min: RECOVERY_PASSPHRASE_MIN }) : undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setSubmitted(true);
    if (problems.passphrase) return first.current?.focus();
    if (problems.confirm) return second.current?.focus();
    setBusy(true);
    setError(undefined);
    try {
      await onSave(passphrase);
    } catch (err) {
      setError(describeError(err, { overrides: { BAD_REQUEST: t("backup.form.weak") } }));
      setBusy(false);
    }
  };

  return (
    <form className="form backup-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy}>
      <Callout tone="warning">
        <strong>{t("backup.form.warning")}</strong>
      </Callout>
      <LiveMessage kind="alert" tone="error" message={error} testId="backup-form-error" />
      <Field
        label={t("backup.passphrase")}
        type="password"
        value={passphrase}
        onChange={setPassphrase}
        autoComplete="new-password"
        hint={t("backup.form.count", { min: RECOVERY_PASSPHRASE_MIN, count: length })}
        error={shown(problems.passphrase)}
        inputRef={first}
        disabled={busy}
      />
      <Field
        label={t("backup.form.confirm")}
        type="password"
        value={confirm}
        onChange={setConfirm}
        autoComplete="new-password"
        error={shown(problems.confirm)}
        inputRef={second}
        disabled={busy}
      />
      <LiveMessage kind="status" tone="info" message={busy ? t("backup.form.busy") : undefined} />
      <div className="actions row-actions">
        <button type="button" className="btn btn-ghost" onClick={onCancel} disabled={busy}>
          {t("backup.cancel")}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t("settings.pending") : t(replacing ? "backup.form.change" : "backup.form.set")}
        </button>
      </div>
    </form>
  );
}
