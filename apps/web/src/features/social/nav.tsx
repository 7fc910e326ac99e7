/** The friends and groups entries of the app's navigation, with pending-count badges. */
import type { ReactNode } from "react";
import { useI18n } from "../../i18n/I18nProvider.js";
import { FRIENDS, GROUPS, type Place } from "../../lib/routes.js";
import { FriendsIcon, GroupsIcon } from "../../components/Icons.js";
import { useOptionalSocial } from "./context.js";
import { CountBadge } from "./Person.js";

export interface NavItem {
  /** The part of the app the entry leads to: it is the current page anywhere in that part. */
  section: Place["section"];
  to: string;
  label: string;
  icon: ReactNode;
  badge?: ReactNode;
}

export function useSocialNavItems(): NavItem[] {
  const { t } = useI18n();
  const social = useOptionalSocial();
  const requests = social?.pending.requests ?? 0;
  const invitations = social?.pending.invitations ?? 0;
  return [
    {
      section: "friends",
      to: FRIENDS,
      label: t("nav.friends"),
      icon: <FriendsIcon />,
      badge: <CountBadge count={requests} label={t("nav.pendingRequests", { count: requests })} />,
    },
    {
      section: "groups",
      to: GROUPS,
      label: t("nav.groups"),
      icon: <GroupsIcon />,
      badge: <CountBadge count={invitations} label={t("nav.pendingInvitations", { count: invitations })} />,
    },
  ];
}
