import type { ConnectionState } from "@sealroom/sdk/browser";
import { useI18n } from "../i18n/I18nProvider.js";
import { useClient, useConnectionState } from "../state/context.js";

/**
 * Always-visible, honest connection state, announced politely to screen readers when it changes.
 * While waiting to reconnect it offers to retry at once instead of after the backoff.
 */
export function ConnectionBadge({ state: override }: { state?: ConnectionState }) {
  const { t } = useI18n();
  const client = useClient();
  const live = useConnectionState();
  const state = override ?? live;
  return (
    <div className="conn-wrap">
      <div className="conn" data-state={state} role="status" aria-live="polite">
        <span className="conn-dot" aria-hidden="true" />
        <span className="sr-only">{t("conn.label")}: </span>
        <span className="conn-text">{t(`conn.${state}`)}</span>
      </div>
      {state === "reconnecting" && (
        <button type="button" className="conn-retry" onClick={() => client.reconnect()}>
          {t("conn.retry")}
        </button>
      )}
    </div>
  );
}
