/**
 * Unlocking the history with the recovery passphrase (status "locked" with a passphrase). The SDK
 * derives a key from it (argon2id, about a second: the form says it is working) and answers false
 * for a wrong one. The passphrase lives in this form's state only, and is cleared on success.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { LiveMessage } from "../../components/Callout.js";
import { Field } from "../../components/Field.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { BackupDialog } from "./BackupDialog.js";
import type { HistoryBackupView } from "./history-backup.js";

export function UnlockDialog({ backup, onClose }: { backup: HistoryBackupView; onClose(): void }) {
  const { t, describeError } = useI18n();
  const [passphrase, setPassphrase] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [unlocked, setUnlocked] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const stateId = useId();
  // A refusal gives the field focus back (it was disabled while deriving), its text selected to retype.
  useEffect(() => {
    if (error !== undefined && !busy) input.current?.select();
  }, [error, busy]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (passphrase === "") {
      setError(t("backup.unlock.required"));
      return;
    }
    setBusy(true);
    setError(undefined);
    let ok = false;
    try {
      ok = await backup.api.unlockWithPassphrase(passphrase);
      if (!ok) setError(t("backup.unlock.wrong"));
    } catch (err) {
      setError(describeError(err));
    }
    setBusy(false);
    if (ok) {
      setPassphrase("");
      setUnlocked(true);
      return;
    }
  };

  return (
    <BackupDialog
      title={t("backup.unlock.title")}
      step={unlocked ? "unlocked" : "form"}
      onClose={onClose}
      describedBy={stateId}
      testId="backup-unlock"
    >
      {unlocked ? (
        <>
          <div id={stateId} role="status" className="backup-state">
            <p className="backup-result backup-result-ok">{t("backup.unlock.done")}</p>
          </div>
          <div className="confirm-actions">
            <button type="button" className="btn btn-primary" onClick={onClose}>
              {t("backup.done")}
            </button>
          </div>
        </>
      ) : (
        <form className="backup-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy}>
          <p id={stateId} className="backup-state">
            {t("backup.unlock.help")}
          </p>
          <Field
            label={t("backup.passphrase")}
            type="password"
            value={passphrase}
            onChange={(v) => {
              setPassphrase(v);
              setError(undefined);
            }}
            autoComplete="current-password"
            error={error}
            inputRef={input}
            disabled={busy}
          />
          <LiveMessage kind="status" tone="info" message={busy ? t("backup.unlock.busy") : undefined} />
          <div className="confirm-actions">
            <button type="button" className="btn btn-secondary" onClick={onClose} disabled={busy}>
              {t("backup.cancel")}
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? t("backup.unlock.pending") : t("backup.unlock.submit")}
            </button>
          </div>
        </form>
      )}
    </BackupDialog>
  );
}
