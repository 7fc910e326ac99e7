/**
 * The header's avatar and name, a menu button: Profile (Settings' profile section, when the app has
 * profiles), Settings, Sign out. Radix's DropdownMenu does the menu button's keyboard and focus:
 * Enter, Space or Down opens it on its first item, arrows wrap, Escape closes back on the button.
 */
import * as Menu from "@radix-ui/react-dropdown-menu";
import { useRef } from "react";
import { Avatar } from "../components/Avatar.js";
import { firstItemOnOpen } from "../features/chat/index.js";
import { useI18n } from "../i18n/I18nProvider.js";
import { useNavigate } from "react-router";
import { SETTINGS } from "../lib/routes.js";
import { useOpenSettingsAt } from "../screens/settings-section.js";
import { useSessionActions } from "../state/context.js";

export function AccountMenu({
  username,
  shown,
  userId,
  hasProfile,
}: {
  username: string;
  shown: string;
  userId?: number;
  hasProfile: boolean;
}) {
  const { t } = useI18n();
  const session = useSessionActions();
  const navigate = useNavigate();
  const openSettingsAt = useOpenSettingsAt();
  // Items that navigate leave focus to the page they open instead of the button.
  const navigated = useRef(false);
  const item = (label: string, action: () => void, testId: string) => (
    <Menu.Item
      className="conv-menu-item"
      data-testid={testId}
      onSelect={() => {
        navigated.current = true;
        action();
      }}
    >
      {label}
    </Menu.Item>
  );

  return (
    <div className="conv-menu-wrap account-menu">
      <Menu.Root modal={false}>
        <Menu.Trigger
          className="user-chip"
          aria-label={t("nav.accountMenu", { name: shown })}
          title={t("nav.account", { name: username })}
          data-testid="account-menu"
        >
          <Avatar name={shown} userId={userId} size={28} />
          <span className="user-chip-name" data-testid="username" translate="no">
            <bdi>{shown}</bdi>
          </span>
        </Menu.Trigger>
        <Menu.Portal>
          <Menu.Content
            className="conv-menu"
            align="end"
            sideOffset={4}
            loop
            {...firstItemOnOpen}
            aria-label={t("nav.accountMenu", { name: shown })}
            onCloseAutoFocus={(e) => {
              if (navigated.current) e.preventDefault();
              navigated.current = false;
            }}
          >
            {hasProfile && item(t("nav.profile"), () => openSettingsAt("profile"), "account-profile")}
            {item(t("nav.settings"), () => void navigate(SETTINGS), "account-settings")}
            {item(t("nav.signOut"), () => void session.logout(false), "account-sign-out")}
          </Menu.Content>
        </Menu.Portal>
      </Menu.Root>
    </div>
  );
}
