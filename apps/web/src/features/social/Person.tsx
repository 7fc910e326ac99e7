/**
 * One person in a list (their profile card): avatar with a presence dot, the name shown (the
 * display name where the viewer may see one), the @username that tells two "Alex"es apart, the
 * "about" line, a line under it, and actions.
 */
import type { ReactNode } from "react";
import type { Profile } from "@sealroom/sdk/browser";
import { Avatar } from "../../components/Avatar.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { formatRelative } from "./time.js";

/** What a person row shows of a user: the name, the @username when it differs, the about line. */
export function personOf(
  profiles: Readonly<Record<number, Profile>>,
  user: { id: number; username: string },
): { name: string; userId: number; handle?: string; about?: string } {
  const p = profiles[user.id];
  return {
    name: p?.displayName ?? user.username,
    userId: user.id,
    ...(p?.displayName ? { handle: user.username } : {}),
    ...(p?.about ? { about: p.about } : {}),
  };
}

export function PersonRow({
  name,
  userId,
  groupId,
  handle,
  about,
  online,
  sub,
  actions,
  badge,
  testId,
}: {
  name: string;
  /** Whose row it is, for their picture. */
  userId?: number;
  /** A group's row (an invitation), for the group's picture. */
  groupId?: number;
  /** The username, shown as "@name" beside a display name. */
  handle?: string;
  about?: string;
  /** undefined: presence not shown. */
  online?: boolean;
  sub?: ReactNode;
  actions?: ReactNode;
  badge?: ReactNode;
  testId?: string;
}) {
  return (
    <li className="person" data-testid={testId}>
      <span className="person-avatar">
        <Avatar name={name} userId={userId} groupId={groupId} size={40} />
        {online !== undefined && <span className={`presence-dot${online ? " is-online" : ""}`} aria-hidden="true" />}
      </span>
      <span className="person-text">
        <span className="person-name">
          <bdi>{name}</bdi>
          {handle && (
            <span className="person-handle" data-testid="person-handle" translate="no">
              @<bdi>{handle}</bdi>
            </span>
          )}
          {badge}
        </span>
        {about && (
          <span className="person-about" data-testid="person-about">
            <bdi>{about}</bdi>
          </span>
        )}
        {sub && <span className="person-sub">{sub}</span>}
      </span>
      {actions && <span className="person-actions">{actions}</span>}
    </li>
  );
}

/** "Online" / "Last seen 5 minutes ago" / "Offline", as text (the dot beside it is decorative). */
export function PresenceText({ online, lastSeenAt, now }: { online: boolean; lastSeenAt: number | null; now: number }) {
  const { t, lang } = useI18n();
  if (online) return <span className="presence-text is-online">{t("social.online")}</span>;
  if (lastSeenAt === null) return <span className="presence-text">{t("social.offline")}</span>;
  const when = formatRelative(lang, lastSeenAt, now);
  return (
    <span className="presence-text">
      <time dateTime={new Date(lastSeenAt).toISOString()} title={new Date(lastSeenAt).toLocaleString(lang)}>
        {when === undefined ? t("social.lastSeenJustNow") : t("social.lastSeen", { when })}
      </time>
    </span>
  );
}

/** Owner and admin stand out; "member" is shown only where the role is the point (`always`). */
export function RoleBadge({ role, always = false }: { role: "owner" | "admin" | "member"; always?: boolean }) {
  const { t } = useI18n();
  if (role === "member" && !always) return null;
  return <span className={`role-badge role-${role}`}>{t(`group.role.${role}`)}</span>;
}

export function CountBadge({ count, label }: { count: number; label: string }) {
  if (count <= 0) return null;
  return (
    <span className="count-badge" aria-label={label} title={label}>
      {count > 99 ? "99+" : count}
    </span>
  );
}
