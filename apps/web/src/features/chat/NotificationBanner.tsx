import { useSyncExternalStore } from "react";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useChatServices } from "./context.js";

/** A polite, dismissible offer to turn notifications on: only after sign-in, never a prompt on load. */
export function NotificationBanner() {
  const { t } = useI18n();
  const { notifier } = useChatServices();
  const { permission, dismissed } = useSyncExternalStore(notifier.subscribe, notifier.getSnapshot);
  if (permission !== "default" || dismissed) return null;
  return (
    <section className="notify-banner" aria-labelledby="notify-banner-title">
      <h2 id="notify-banner-title" className="notify-banner-title">
        {t("notify.bannerTitle")}
      </h2>
      <p>{t("notify.bannerBody")}</p>
      <div className="notify-banner-actions">
        <button type="button" className="btn btn-primary btn-small" onClick={() => void notifier.request()}>
          {t("notify.enable")}
        </button>
        <button type="button" className="btn btn-ghost btn-small" onClick={() => notifier.dismiss()}>
          {t("notify.notNow")}
        </button>
      </div>
    </section>
  );
}
