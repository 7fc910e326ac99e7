import { useI18n } from "../i18n/I18nProvider.js";

/** Shown for the instant it takes to read the pin and ask the gateway for its key. */
export function StartingScreen() {
  const { t } = useI18n();
  return (
    <div className="starting" role="status" aria-busy="true">
      <div className="spinner" aria-hidden="true" />
      <span className="sr-only">{t("app.loading")}</span>
    </div>
  );
}
