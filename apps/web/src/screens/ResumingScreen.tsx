import { CenteredLayout } from "../app/CenteredLayout.js";
import { ConnectionBadge } from "../components/ConnectionBadge.js";
import { useI18n } from "../i18n/I18nProvider.js";
import { useFocusOnMount, useOnline } from "../lib/hooks.js";

export function ResumingScreen({ onSignInInstead }: { onSignInInstead(): void }) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const online = useOnline();
  return (
    <CenteredLayout>
      <section className="card card-center" aria-labelledby="resuming-heading" aria-busy="true">
        <div className="spinner" aria-hidden="true" />
        <h1 id="resuming-heading" className="card-title" tabIndex={-1} ref={heading}>
          {t("resuming.title")}
        </h1>
        <p className="card-sub">{t("resuming.body")}</p>
        {/* Opened from the installed app's cache without a network: say so, rather than only spin. */}
        {!online && (
          <p className="offline-note" role="status">
            {t("conn.deviceOffline")}
          </p>
        )}
        <ConnectionBadge />
        <div className="actions actions-center">
          <button type="button" className="btn btn-ghost" onClick={onSignInInstead}>
            {t("resuming.signInInstead")}
          </button>
        </div>
      </section>
    </CenteredLayout>
  );
}
