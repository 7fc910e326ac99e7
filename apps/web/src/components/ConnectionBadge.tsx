import { useSyncExternalStore } from "react";
import type { ConnectionState, SyncStatus } from "@sealroom/sdk/browser";
import { useI18n } from "../i18n/I18nProvider.js";
import { useChatServicesOf, useClient, useConnectionState } from "../state/context.js";

type Shown = ConnectionState | "catching-up";

/**
 * Always-visible, honest connection state, announced politely to screen readers when it changes.
 * Signed in, "up to date" waits for the chat store's catch-up (the messages missed while away);
 * before that it says "catching up". While waiting to reconnect it offers to retry at once.
 */
export function ConnectionBadge({ state: override }: { state?: ConnectionState }) {
  const { t } = useI18n();
  const client = useClient();
  const live = useConnectionState();
  const sync = useSyncStatus();
  const state = override ?? live;
  const shown: Shown =
    state === "ready" && sync !== undefined && sync !== "up-to-date"
      ? sync === "catching-up"
        ? "catching-up"
        : "connected"
      : state;
  return (
    <div className="conn-wrap">
      <div className="conn" data-state={shown} role="status" aria-live="polite">
        <span className="conn-dot" aria-hidden="true" />
        <span className="sr-only">{t("conn.label")}: </span>
        <span className="conn-text">{shown === "catching-up" ? t("conn.catchingUp") : t(`conn.${shown}`)}</span>
      </div>
      {state === "reconnecting" && (
        <button type="button" className="conn-retry" onClick={() => client.reconnect()}>
          {t("conn.retry")}
        </button>
      )}
    </div>
  );
}

const noSubscribe = () => () => undefined;
const noStatus = () => undefined;

/** The chat store's sync status, when the app has a chat store. */
function useSyncStatus(): SyncStatus | undefined {
  const chat = useChatServicesOf()?.chat;
  return useSyncExternalStore(chat ? chat.subscribe : noSubscribe, chat ? () => chat.getSnapshot().status : noStatus);
}
