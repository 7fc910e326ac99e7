/**
 * On a device that holds the history backup's key: another of the user's devices asks for it (the
 * SDK's `incoming`). One request at a time, in a modal alert dialog, since it waits for an answer:
 * compare codes or ignore it; then the code, large, and whether it matches what the new device
 * shows. "The codes match" is never the focused or default button: a person compares first.
 * Finished requests say how they ended until dismissed.
 */
import { useState } from "react";
import { LiveMessage } from "../../components/Callout.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { ApprovalCodeView, BackupDialog } from "./BackupDialog.js";
import { useOptionalChatServices } from "./context.js";
import { INCOMING_ACTIVE, spokenCode, useHistoryBackup, useOwnDeviceNames } from "./history-backup.js";
import type { HistoryBackupApi, IncomingApproval } from "@sealroom/sdk/browser";

const RESULT = {
  approved: "backup.incoming.approved",
  declined: "backup.incoming.declined",
  failed: "backup.incoming.failed",
} as const;

export function IncomingApprovals() {
  const backup = useHistoryBackup(useOptionalChatServices()?.chat);
  const incoming = backup?.incoming ?? [];
  const nameOf = useOwnDeviceNames(incoming.length > 0);
  // The request on screen stays until dismissed (its result is read there); then the newest one
  // still waiting for an answer, before any that only report how they ended.
  const [currentId, setCurrentId] = useState<string>();
  const shown =
    incoming.find((a) => a.requestId === currentId) ??
    incoming.find((a) => INCOMING_ACTIVE.includes(a.state)) ??
    incoming[0];
  if (shown?.requestId !== currentId) setCurrentId(shown?.requestId);
  if (!backup || !shown) return null;
  return <IncomingDialog key={shown.requestId} api={backup.api} approval={shown} name={nameOf(shown.deviceId)} />;
}

function IncomingDialog({ api, approval, name }: { api: HistoryBackupApi; approval: IncomingApproval; name: string }) {
  const { t, describeError } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const { requestId, state } = approval;
  const active = INCOMING_ACTIVE.includes(state);
  const decline = () => api.decline(requestId);
  const dismiss = () => api.dismiss(requestId);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.confirm(requestId);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <BackupDialog
      title={t("backup.incoming.title")}
      step={state}
      alert
      // Escape is the safe answer: a request still open is refused, a finished one put away.
      onClose={active ? decline : dismiss}
      describedBy={`incoming-${requestId}`}
      testId="backup-incoming"
    >
      <div
        id={`incoming-${requestId}`}
        role="status"
        aria-live="polite"
        className="backup-state"
        // While connecting no button has anything to do: focus rests on what is happening.
        tabIndex={state === "connecting" ? -1 : undefined}
        data-autofocus={state === "connecting" || undefined}
      >
        {approval.state === "asked" ? (
          <>
            <p className="backup-lead">{t("backup.incoming.asked", { name })}</p>
            <p>{t("backup.incoming.askedHelp")}</p>
          </>
        ) : approval.state === "connecting" ? (
          <p>{t("backup.incoming.connecting", { name })}</p>
        ) : approval.state === "comparing" ? (
          <>
            <p className="backup-lead">{t("backup.incoming.compare", { name })}</p>
            <ApprovalCodeView
              code={approval.code}
              label={t("backup.codeLabel", { code: spokenCode(approval.code) })}
              focus
            />
            <p>{t("backup.incoming.compareHelp")}</p>
          </>
        ) : (
          <p className={`backup-result${state === "approved" ? " backup-result-ok" : ""}`}>
            {t(RESULT[approval.state], { name })}
          </p>
        )}
      </div>
      <LiveMessage kind="alert" tone="error" message={error} />
      <div className="confirm-actions">
        {state === "asked" || state === "connecting" ? (
          <>
            <button type="button" className="btn btn-secondary" onClick={decline}>
              {t("backup.incoming.notMe")}
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={state === "connecting"}
              onClick={() => api.compare(requestId)}
              data-autofocus={state === "asked" || undefined}
            >
              {state === "connecting" ? t("backup.incoming.connectingShort") : t("backup.incoming.compareAction")}
            </button>
          </>
        ) : state === "comparing" ? (
          <>
            <button type="button" className="btn btn-danger-outline" disabled={busy} onClick={decline}>
              {t("backup.incoming.differ")}
            </button>
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void confirm()}>
              {busy ? t("backup.incoming.sending") : t("backup.incoming.match")}
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-primary" onClick={dismiss}>
            {t("backup.incoming.dismiss")}
          </button>
        )}
      </div>
    </BackupDialog>
  );
}
