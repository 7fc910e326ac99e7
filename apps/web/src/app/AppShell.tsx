import type { ReactNode } from "react";
import { ConnectionBadge } from "../components/ConnectionBadge.js";
import { ChatIcon, KeyIcon, LockIcon, SettingsIcon } from "../components/Icons.js";
import { Logo } from "../components/Logo.js";
import { ConversationList, IncomingApprovals, NewSignInNotice } from "../features/chat/index.js";
import { useOptionalSocial, useSocialNavItems, type NavItem } from "../features/social/index.js";
import { useI18n } from "../i18n/I18nProvider.js";
import { Link } from "react-router";
import { HOME, SETTINGS, usePlace, useWithSearch } from "../lib/routes.js";
import { useSession } from "../state/context.js";
import { shortFingerprint } from "../state/server-key.js";
import { AccountMenu } from "./AccountMenu.js";

/**
 * The signed-in frame: a top bar (the connection state when something is wrong, the account menu), a
 * sidebar (navigation and the conversation list) and the main area.
 */
export function AppShell({ username, children }: { username: string; children: ReactNode }) {
  const { t } = useI18n();
  const place = usePlace();
  const withSearch = useWithSearch();
  const { pinnedKeyId } = useSession();
  const socialItems = useSocialNavItems();
  // The user's own display name once the social store has it; the title keeps the username.
  const social = useOptionalSocial();
  const shown = social?.me?.displayName ?? username;
  const items: NavItem[] = [
    { section: "home", to: HOME, label: t("nav.conversations"), icon: <ChatIcon /> },
    ...socialItems,
    { section: "settings", to: SETTINGS, label: t("nav.settings"), icon: <SettingsIcon /> },
  ];
  return (
    // On phones the list and a conversation are two views: data-view says which one is showing.
    <div
      className="shell"
      data-view={place.conversationId ? "conversation" : place.section === "home" ? "list" : "page"}
    >
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault(); // the hash is the route (#main is not one); move focus instead
          document.getElementById("main")?.focus();
        }}
      >
        {t("app.skip")}
      </a>
      <header className="topbar">
        <Logo size={28} />
        <div className="topbar-end">
          <ConnectionBadge />
          <AccountMenu
            username={username}
            shown={shown}
            userId={social?.me?.user.id}
            hasProfile={social !== undefined}
          />
        </div>
      </header>
      <div className="sidebar">
        <div className="sidebar-inner">
          <nav aria-label={t("nav.label")}>
            <ul>
              {items.map((item) => (
                <li key={item.section}>
                  {/* A conversation and a group's old page belong to their entries: not NavLink's rule. */}
                  <Link
                    className="nav-link"
                    to={withSearch(item.to)}
                    aria-current={item.section === place.section ? "page" : undefined}
                  >
                    {item.icon}
                    <span>{item.label}</span>
                    {item.badge}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <NewSignInNotice />
          <ConversationList
            activeId={place.conversationId}
            pageHeading={place.section === "home" && !place.conversationId}
            offerNotifications={place.section !== "settings"}
          />
          <div className="sidebar-foot">
            <span>
              <LockIcon size={14} />
              {t("app.transit")}
            </span>
            {pinnedKeyId && (
              <Link to={SETTINGS} className="sidebar-key">
                <KeyIcon size={14} />
                <span>{t("settings.serverKey")}</span>
                <code translate="no">{shortFingerprint(pinnedKeyId)}</code>
              </Link>
            )}
          </div>
        </div>
      </div>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
      {/* Another device asking this one for the message history: answered from any screen. */}
      <IncomingApprovals />
    </div>
  );
}
