/**
 * The chat's notice that this device cannot read what was said before it signed in (status
 * "locked"), with the two ways to unlock it: approval from another signed-in device, or the
 * recovery passphrase when the user set one. Dismissed, it stays hidden for this tab's session.
 */
import { useState, type ReactNode } from "react";
import { useI18n } from "../../i18n/I18nProvider.js";
import { ApproveDialog } from "./ApproveDialog.js";
import { useOptionalChatServices } from "./context.js";
import { askForApproval, useBannerDismissal, useHistoryBackup, type HistoryBackupView } from "./history-backup.js";
import { UnlockDialog } from "./UnlockDialog.js";

export function HistoryBackupBanner() {
  const { t } = useI18n();
  const backup = useHistoryBackup(useOptionalChatServices()?.chat);
  const [dismissed, dismiss] = useBannerDismissal();
  const dialogs = useUnlockDialogs(backup);
  if (!backup) return null;
  const { status } = backup;
  return (
    <>
      {status.kind === "locked" && !dismissed && (
        <section
          className="backup-banner"
          role="status"
          aria-labelledby="backup-banner-title"
          data-testid="backup-banner"
        >
          <h2 id="backup-banner-title" className="backup-banner-title">
            {t("backup.banner.title")}
          </h2>
          <div className="notify-banner-actions">
            <button type="button" className="btn btn-primary btn-small" onClick={dialogs.openApprove}>
              {t("backup.approveAction")}
            </button>
            {status.passphrase && (
              <button type="button" className="btn btn-secondary btn-small" onClick={dialogs.openUnlock}>
                {t("backup.unlockAction")}
              </button>
            )}
            <button type="button" className="btn btn-ghost btn-small" onClick={dismiss}>
              {t("backup.banner.dismiss")}
            </button>
          </div>
        </section>
      )}
      {dialogs.element}
    </>
  );
}

/**
 * The approve and passphrase dialogs, opened from the banner or Settings. They outlive the locked
 * status that offered them: an unlock ends "locked", and the dialog still says it worked.
 */
export function useUnlockDialogs(backup: HistoryBackupView | undefined): {
  openApprove(): void;
  openUnlock(): void;
  element: ReactNode;
} {
  const [open, setOpen] = useState<"approve" | "unlock">();
  const close = () => setOpen(undefined);
  return {
    openApprove: () => {
      if (!backup) return;
      askForApproval(backup.api);
      setOpen("approve");
    },
    openUnlock: () => setOpen("unlock"),
    element:
      backup && open === "approve" ? (
        <ApproveDialog backup={backup} onClose={close} />
      ) : backup && open === "unlock" ? (
        <UnlockDialog backup={backup} onClose={close} />
      ) : null,
  };
}
