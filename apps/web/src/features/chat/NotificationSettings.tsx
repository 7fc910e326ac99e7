import { useSyncExternalStore } from "react";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useOptionalChatServices } from "./context.js";

/** The settings panel for browser notifications: the state, and the button that asks. */
export function NotificationSettings() {
  const services = useOptionalChatServices();
  if (!services) return null;
  return <Panel notifier={services.notifier} />;
}

function Panel({ notifier }: { notifier: NonNullable<ReturnType<typeof useOptionalChatServices>>["notifier"] }) {
  const { t } = useI18n();
  const { permission } = useSyncExternalStore(notifier.subscribe, notifier.getSnapshot);
  return (
    <section className="panel" aria-labelledby="notify-heading">
      <h2 id="notify-heading" className="panel-title">
        {t("notify.settingsTitle")}
      </h2>
      <p className="panel-help">{t("notify.settingsHelp")}</p>
      <div role="status">
        {permission === "default" ? (
          <button type="button" className="btn btn-secondary" onClick={() => void notifier.request()}>
            {t("notify.enable")}
          </button>
        ) : (
          <p className="row-help">
            {permission === "granted"
              ? t("notify.on")
              : permission === "denied"
                ? t("notify.denied")
                : t("notify.unsupported")}
          </p>
        )}
      </div>
    </section>
  );
}
