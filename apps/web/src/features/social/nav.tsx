/** The friends and groups entries of the app's navigation, with pending-count badges. */
import type { ReactNode } from "react";
import { useI18n } from "../../i18n/I18nProvider.js";
import type { Route } from "../../lib/hooks.js";
import { useOptionalSocial } from "./context.js";
import { FriendsIcon, GroupsIcon } from "./icons.js";
import { CountBadge } from "./Person.js";

export interface NavItem {
  route: Route;
  label: string;
  icon: ReactNode;
  badge?: ReactNode;
  /** Whether the current route belongs to this entry (a group's page belongs to "groups"). */
  current?: (route: Route) => boolean;
}

export function useSocialNavItems(): NavItem[] {
  const { t } = useI18n();
  const social = useOptionalSocial();
  const requests = social?.pending.requests ?? 0;
  const invitations = social?.pending.invitations ?? 0;
  return [
    {
      route: "friends",
      label: t("nav.friends"),
      icon: <FriendsIcon />,
      badge: <CountBadge count={requests} label={t("nav.pendingRequests", { count: requests })} />,
    },
    {
      route: "groups",
      label: t("nav.groups"),
      icon: <GroupsIcon />,
      badge: <CountBadge count={invitations} label={t("nav.pendingInvitations", { count: invitations })} />,
      current: (r) => r === "groups" || r.startsWith("group/"),
    },
  ];
}
