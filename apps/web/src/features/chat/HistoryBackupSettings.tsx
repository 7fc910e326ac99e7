/**
 * Settings' "Message history backup" (in the end-to-end encryption panel): whether this device
 * holds the backup key, the recovery passphrase (set, change, remove) while it does, and the two
 * ways to unlock the history while it does not.
 */
import { useEffect, useRef, useState } from "react";
import { LiveMessage } from "../../components/Callout.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useOptionalChatServices } from "./context.js";
import { useHistoryBackup } from "./history-backup.js";
import { useUnlockDialogs } from "./HistoryBackupBanner.js";
import { PassphraseForm } from "./PassphraseForm.js";

export function HistoryBackupSettings() {
  const { t, describeError } = useI18n();
  const backup = useHistoryBackup(useOptionalChatServices()?.chat);
  const dialogs = useUnlockDialogs(backup);
  const [mode, setMode] = useState<"view" | "form" | "confirm-remove">("view");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();
  const [error, setError] = useState<string>();
  const trigger = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => {
    // The form or the question took the button away: focus goes back to the one now there.
    if (wasEditing.current && mode === "view") trigger.current?.focus();
    wasEditing.current = mode !== "view";
  }, [mode]);

  if (!backup) return null;
  const { status } = backup;
  const ready = status.kind === "ready";
  const hasPassphrase = status.kind !== "loading" && status.passphrase;

  const edit = (next: typeof mode) => {
    setDone(undefined);
    setError(undefined);
    setMode(next);
  };
  const save = async (passphrase: string) => {
    await backup.api.setPassphrase(passphrase);
    setMode("view");
    setDone(t("backup.settings.saved"));
  };
  const remove = async () => {
    setBusy(true);
    try {
      await backup.api.removePassphrase();
      setMode("view");
      setDone(t("backup.settings.removed"));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="history-backup" data-testid="history-backup">
      <h3 className="panel-sub">{t("backup.settings.title")}</h3>
      <p className="panel-help">{t("backup.settings.help")}</p>
      <p className="backup-status" role="status" data-status={status.kind} data-testid="backup-status">
        {status.kind === "loading"
          ? t("backup.status.loading")
          : ready
            ? t("backup.status.ready")
            : t("backup.status.locked")}
      </p>
      <LiveMessage kind="status" tone="success" message={done} testId="backup-done" />
      <LiveMessage kind="alert" tone="error" message={error} />
      {ready && (
        <div className="rows">
          <div className="row">
            <div className="row-text">
              <div className="row-title">{t("backup.settings.passphrase")}</div>
              <div className="row-help">
                {mode === "confirm-remove"
                  ? t("backup.settings.removeConfirm")
                  : hasPassphrase
                    ? t("backup.settings.passphraseSet")
                    : t(
                        status.version > 1 ? "backup.settings.passphraseNoneRotated" : "backup.settings.passphraseNone",
                      )}
              </div>
            </div>
            {mode === "view" && (
              <div className="row-actions">
                <button ref={trigger} type="button" className="btn btn-secondary" onClick={() => edit("form")}>
                  {hasPassphrase ? t("backup.settings.change") : t("backup.settings.set")}
                </button>
                {hasPassphrase && (
                  <button type="button" className="btn btn-danger-outline" onClick={() => edit("confirm-remove")}>
                    {t("backup.settings.remove")}
                  </button>
                )}
              </div>
            )}
            {mode === "confirm-remove" && (
              <div className="row-actions">
                <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => setMode("view")}>
                  {t("backup.cancel")}
                </button>
                <button
                  type="button"
                  className="btn btn-danger"
                  disabled={busy}
                  onClick={() => void remove()}
                  autoFocus
                >
                  {busy ? t("settings.pending") : t("backup.settings.removeYes")}
                </button>
              </div>
            )}
          </div>
          {mode === "form" && (
            <PassphraseForm replacing={hasPassphrase} onSave={save} onCancel={() => setMode("view")} />
          )}
        </div>
      )}
      {status.kind === "locked" && (
        <div className="row-actions backup-unlock-actions">
          <button type="button" className="btn btn-primary" onClick={dialogs.openApprove}>
            {t("backup.approveAction")}
          </button>
          {status.passphrase && (
            <button type="button" className="btn btn-secondary" onClick={dialogs.openUnlock}>
              {t("backup.unlockWithPassphrase")}
            </button>
          )}
        </div>
      )}
      {dialogs.element}
    </div>
  );
}
