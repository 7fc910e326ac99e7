/**
 * This device asking one already signed in for the history backup's key (the SDK's `outgoing`):
 * waiting for an answer, comparing the code both devices show (the other device confirms), then
 * approved, declined or failed. Whatever opens it asks first (`askForApproval`); Cancel stops it.
 */
import { useId } from "react";
import { useI18n } from "../../i18n/I18nProvider.js";
import { ApprovalCodeView, BackupDialog } from "./BackupDialog.js";
import { OUTGOING_ACTIVE, spokenCode, useOwnDeviceNames, type HistoryBackupView } from "./history-backup.js";

export function ApproveDialog({ backup, onClose }: { backup: HistoryBackupView; onClose(): void }) {
  const { t } = useI18n();
  const { api, outgoing } = backup;
  const stateId = useId();
  const nameOf = useOwnDeviceNames(outgoing !== undefined && "deviceId" in outgoing);
  const running = outgoing !== undefined && OUTGOING_ACTIVE.includes(outgoing.state);

  const cancel = () => {
    if (running) api.cancelApproval();
    onClose();
  };
  const step = outgoing?.state ?? "waiting";

  return (
    <BackupDialog
      title={t("backup.approve.title")}
      step={step}
      onClose={cancel}
      describedBy={stateId}
      testId="backup-approve"
    >
      <div id={stateId} role="status" aria-live="polite" className="backup-state" data-testid="backup-approve-state">
        {outgoing?.state === "comparing" ? (
          <>
            <p>{t("backup.approve.answered", { name: nameOf(outgoing.deviceId) })}</p>
            <ApprovalCodeView code={outgoing.code} label={t("backup.codeLabel", { code: spokenCode(outgoing.code) })} />
            <p>{t("backup.approve.comparing")}</p>
          </>
        ) : outgoing?.state === "approved" ? (
          <p className="backup-result backup-result-ok">{t("backup.approve.approved")}</p>
        ) : outgoing?.state === "declined" ? (
          <p className="backup-result">{t("backup.approve.declined", { name: nameOf(outgoing.deviceId) })}</p>
        ) : outgoing?.state === "failed" ? (
          <p className="backup-result">{t("backup.approve.failed")}</p>
        ) : (
          <p>{t("backup.approve.waiting")}</p>
        )}
      </div>
      <div className="confirm-actions">
        {step === "approved" ? (
          <button type="button" className="btn btn-primary" onClick={onClose}>
            {t("backup.done")}
          </button>
        ) : step === "declined" || step === "failed" ? (
          <>
            <button type="button" className="btn btn-secondary" onClick={onClose}>
              {t("backup.close")}
            </button>
            <button type="button" className="btn btn-primary" onClick={() => api.requestApproval()}>
              {t("backup.tryAgain")}
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-secondary" onClick={cancel}>
            {t("backup.cancel")}
          </button>
        )}
      </div>
    </BackupDialog>
  );
}
