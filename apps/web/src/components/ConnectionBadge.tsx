import type { ConnectionState } from "@sealroom/sdk/browser";
import { useI18n } from "../i18n/I18nProvider.js";
import { useConnectionState } from "../state/context.js";

/** Always-visible, honest connection state; announced politely to screen readers when it changes. */
export function ConnectionBadge({ state: override }: { state?: ConnectionState }) {
  const { t } = useI18n();
  const live = useConnectionState();
  const state = override ?? live;
  return (
    <div className="conn" data-state={state} role="status" aria-live="polite">
      <span className="conn-dot" aria-hidden="true" />
      <span className="sr-only">{t("conn.label")}: </span>
      <span className="conn-text">{t(`conn.${state}`)}</span>
    </div>
  );
}
