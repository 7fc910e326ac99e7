import { useSyncExternalStore } from "react";
import { useI18n } from "../i18n/I18nProvider.js";
import type { AppUpdate } from "./app-update.js";

/**
 * "A new version of Sealroom is ready": shown on every screen once a new deploy's service worker
 * waits. Reloading switches every tab of the app to it; until then the old version keeps running.
 */
export function UpdatePrompt({ update }: { update: AppUpdate }) {
  const { t } = useI18n();
  const { ready } = useSyncExternalStore(update.subscribe, update.getSnapshot);
  if (!ready) return null;
  return (
    <div className="update-prompt" role="status" aria-live="polite">
      <span>{t("update.ready")}</span>
      <button type="button" className="btn btn-primary" onClick={() => void update.reload()}>
        {t("update.reload")}
      </button>
      <button type="button" className="btn btn-ghost" onClick={() => update.dismiss()}>
        {t("update.later")}
      </button>
    </div>
  );
}
