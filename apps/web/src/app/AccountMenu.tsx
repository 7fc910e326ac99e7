/**
 * The header's avatar and name, a menu button: Profile (Settings' profile section, when the app has
 * profiles), Settings, Sign out. Enter, Space or Down opens it on its first item; arrows, Home and End
 * move; Escape closes and gives focus back to the button; Tab closes and lets focus move on.
 */
import { useEffect, useId, useRef, useState } from "react";
import { Avatar } from "../components/Avatar.js";
import { menuItems, menuKeyHandler } from "../features/chat/index.js";
import { useI18n } from "../i18n/I18nProvider.js";
import { hrefFor } from "../lib/hooks.js";
import { openSettingsAt } from "../screens/settings-section.js";
import { useSessionActions } from "../state/context.js";

export function AccountMenu({ username, shown, hasProfile }: { username: string; shown: string; hasProfile: boolean }) {
  const { t } = useI18n();
  const session = useSessionActions();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const menuId = useId();
  useEffect(() => {
    if (open) menuItems(menu)[0]?.focus();
  }, [open]);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  // Items that navigate close without refocusing the button: the page they open takes focus.
  const choose = (action: () => void) => () => {
    close(false);
    action();
  };

  const item = (label: string, onClick: () => void, testId: string) => (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      className="conv-menu-item"
      onClick={onClick}
      data-testid={testId}
    >
      {label}
    </button>
  );

  return (
    <div className="conv-menu-wrap account-menu">
      <button
        ref={button}
        type="button"
        className="user-chip"
        aria-label={t("nav.accountMenu", { name: shown })}
        title={t("nav.account", { name: username })}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        data-testid="account-menu"
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        <Avatar name={shown} size={28} />
        <span className="user-chip-name" data-testid="username" translate="no">
          <bdi>{shown}</bdi>
        </span>
      </button>
      {open && (
        <div
          ref={menu}
          id={menuId}
          className="conv-menu"
          role="menu"
          aria-label={t("nav.accountMenu", { name: shown })}
          onKeyDown={menuKeyHandler(menu, close)}
          onBlur={(e) =>
            !e.currentTarget.contains(e.relatedTarget) && e.relatedTarget !== button.current && close(false)
          }
        >
          {hasProfile &&
            item(
              t("nav.profile"),
              choose(() => openSettingsAt("profile")),
              "account-profile",
            )}
          {item(
            t("nav.settings"),
            choose(() => (window.location.hash = hrefFor("settings"))),
            "account-settings",
          )}
          {item(
            t("nav.signOut"),
            choose(() => void session.logout(false)),
            "account-sign-out",
          )}
        </div>
      )}
    </div>
  );
}
