/**
 * Outcomes the user may have missed (a request accepted, removed from a group), each with when it
 * happened. They clear themselves: a notice is acknowledged once it has been on screen for a moment
 * (it stays visible for the rest of this visit, then it is gone for good), and one that a newer
 * notice about the same person or group contradicts, or an "accepted" from someone who is no longer
 * a friend, is dropped at once.
 */
import { useEffect, useState } from "react";
import type { Notice } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useNow } from "../../lib/hooks.js";
import { useSocial, useSocialStore } from "./context.js";
import { formatRelative } from "./time.js";
import type { SocialView } from "./view.js";

/** How long a notice is on screen before it counts as read (and is acknowledged). */
export const NOTICE_SEEN_MS = 4000;

export function Notices({ kinds = "all" }: { kinds?: "all" | "friends" | "groups" }) {
  const { t, lang, describeError } = useI18n();
  const social = useSocial();
  const store = useSocialStore();
  const now = useNow(30_000);
  const [error, setError] = useState<string>();
  // Acknowledged automatically but still shown until the user leaves the page.
  const [kept, setKept] = useState<readonly Notice[]>([]);
  const mine = (n: Notice) => kinds === "all" || (kinds === "friends") === n.type.startsWith("friendRequest.");
  const { current, stale } = sortOut(
    [...kept, ...social.notices.filter((n) => !kept.some((k) => k.id === n.id))].filter(mine),
    social,
  );
  const unacked = current.filter((n) => social.notices.some((s) => s.id === n.id));
  const staleIds = stale.filter((n) => social.notices.some((s) => s.id === n.id)).map((n) => n.id);
  const unackedKey = unacked.map((n) => n.id).join(",");
  const staleKey = staleIds.join(",");

  useEffect(() => {
    // Contradicted or outdated: acknowledged at once, never shown.
    if (staleIds.length > 0) store.dismissNotices(staleIds).catch(() => undefined);
    // The key stands for the ids: a new array each render must not re-run it.
  }, [store, staleKey]);

  useEffect(() => {
    if (unacked.length === 0) return;
    const timer = setTimeout(() => {
      setKept((prev) => [...prev, ...unacked.filter((n) => !prev.some((p) => p.id === n.id))]);
      store.dismissNotices(unacked.map((n) => n.id)).catch(() => undefined);
    }, NOTICE_SEEN_MS);
    return () => clearTimeout(timer);
    // The key stands for the notices: the timer restarts only when they change.
  }, [store, unackedKey]);

  if (current.length === 0) return null;
  const dismiss = (n: Notice) => {
    setError(undefined);
    setKept((prev) => prev.filter((p) => p.id !== n.id));
    if (social.notices.some((s) => s.id === n.id))
      store.dismissNotices([n.id]).catch((err: unknown) => setError(describeError(err)));
  };
  return (
    <section className="notices" aria-label={t("notices.label")}>
      <ul>
        {current.map((n) => (
          <li key={n.id} className="notice" data-testid="notice">
            <span className="notice-dot" aria-hidden="true" />
            <span className="notice-text">{noticeText(t, n)}</span>
            <time className="muted small" dateTime={new Date(n.createdAt).toISOString()}>
              {formatRelative(lang, n.createdAt, now) ?? t("social.justNow")}
            </time>
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              onClick={() => dismiss(n)}
              aria-label={t("notices.dismissOne", { text: noticeText(t, n) })}
            >
              {t("notices.dismiss")}
            </button>
          </li>
        ))}
      </ul>
      {error && <p className="field-error">{error}</p>}
    </section>
  );
}

/** Who or what a notice is about: a newer notice about the same subject replaces it. */
function subject(n: Notice): string {
  switch (n.type) {
    case "friendRequest.accepted":
    case "friendRequest.declined":
      return `user:${n.data.user.id}`;
    case "group.kicked":
    case "group.disbanded":
      return `group:${n.data.group.id}`;
  }
}

/** The notices worth showing (newest first), and those that are contradicted or outdated. */
export function sortOut(
  notices: readonly Notice[],
  social: Pick<SocialView, "friendsById">,
): { current: Notice[]; stale: Notice[] } {
  const current: Notice[] = [];
  const stale: Notice[] = [];
  const seen = new Set<string>();
  for (const n of [...notices].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)) {
    const key = subject(n);
    const outdated = n.type === "friendRequest.accepted" && !social.friendsById.has(n.data.user.id);
    if (seen.has(key) || outdated) stale.push(n);
    else current.push(n);
    seen.add(key);
  }
  return { current, stale };
}

function noticeText(t: ReturnType<typeof useI18n>["t"], n: Notice): string {
  switch (n.type) {
    case "friendRequest.accepted":
      return t("notices.accepted", { name: n.data.user.username });
    case "friendRequest.declined":
      return t("notices.declined", { name: n.data.user.username });
    case "group.kicked":
      return t("notices.kicked", { group: n.data.group.name, name: n.data.by.username });
    case "group.disbanded":
      return t("notices.disbanded", { group: n.data.group.name, name: n.data.by.username });
  }
}
