import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { ConnectionState, SyncStatus } from "@sealroom/sdk/browser";
import { useI18n } from "../i18n/I18nProvider.js";
import { useChatServicesOf, useClient, useConnectionState } from "../state/context.js";

type Shown = ConnectionState | "catching-up";

/** States that are steps on the way to "ready": a short one shows nothing, so the header does not flicker. */
const TRANSIENT: ReadonlySet<Shown> = new Set(["connecting", "connected", "catching-up"]);
/** States in which the connection is lost: screen readers are told, and told again when it is back. */
const LOST: ReadonlySet<Shown> = new Set(["idle", "reconnecting", "failed"]);
/** How long a transient state lasts before the badge shows it. */
export const GRACE_MS = 1000;
/** How long the "lost" / "reconnected" announcement stays in the live region (not a permanent text). */
const ANNOUNCE_MS = 10_000;

/**
 * The connection state, shown only when something is wrong: nothing while signed in and up to date
 * (including a catch-up or reconnect step shorter than GRACE_MS); a badge otherwise. A polite live
 * region tells screen readers when the connection is lost and when it is back. The wrapper's
 * data-state always carries the honest state ("ready" = signed in and caught up) for tests.
 * While waiting to reconnect it offers to retry at once.
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
  const visible = useSettled(shown);
  const announcement = useTransitionAnnouncement(shown);
  return (
    <div className="conn-wrap" data-state={shown} data-testid="connection">
      <div className="sr-only" role="status" aria-live="polite">
        {announcement && t(announcement)}
      </div>
      {visible !== "ready" && (
        <div className="conn" data-state={visible}>
          <span className="conn-dot" aria-hidden="true" />
          <span className="sr-only">{t("conn.label")}: </span>
          <span className="conn-text">{visible === "catching-up" ? t("conn.catchingUp") : t(`conn.${visible}`)}</span>
        </div>
      )}
      {state === "reconnecting" && (
        <button type="button" className="conn-retry" onClick={() => client.reconnect()}>
          {t("conn.retry")}
        </button>
      )}
    </div>
  );
}

/** The state the badge shows: `shown`, except that a transient state after "ready" (or at first) waits GRACE_MS. */
function useSettled(shown: Shown): Shown {
  const [settled, setSettled] = useState<Shown>(() => (TRANSIENT.has(shown) ? "ready" : shown));
  useEffect(() => {
    if (!(TRANSIENT.has(shown) && settled === "ready")) {
      setSettled(shown);
      return;
    }
    const timer = setTimeout(() => setSettled(shown), GRACE_MS);
    return () => clearTimeout(timer);
  }, [shown, settled]);
  return settled;
}

/** "Connection lost" when it is lost, "Reconnected" when up to date again after that; cleared after a while. */
function useTransitionAnnouncement(shown: Shown): "conn.lost" | "conn.restored" | undefined {
  const [said, setSaid] = useState<"conn.lost" | "conn.restored">();
  const wasLost = useRef(false);
  const previous = useRef(shown);
  useEffect(() => {
    const before = previous.current;
    previous.current = shown;
    if (before === shown) return;
    if (LOST.has(shown) && !LOST.has(before) && !wasLost.current) {
      wasLost.current = true;
      setSaid("conn.lost");
    } else if (shown === "ready" && wasLost.current) {
      wasLost.current = false;
      setSaid("conn.restored");
    }
  }, [shown]);
  useEffect(() => {
    if (!said) return;
    const timer = setTimeout(() => setSaid(undefined), ANNOUNCE_MS);
    return () => clearTimeout(timer);
  }, [said]);
  return said;
}

const noSubscribe = () => () => undefined;
const noStatus = () => undefined;

/** The chat store's sync status, when the app has a chat store. */
function useSyncStatus(): SyncStatus | undefined {
  const chat = useChatServicesOf()?.chat;
  return useSyncExternalStore(chat ? chat.subscribe : noSubscribe, chat ? () => chat.getSnapshot().status : noStatus);
}
