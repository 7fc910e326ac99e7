/**
 * The open conversation's options (the header's "⋯"): pin, mute for a while or until unmuted,
 * archive, mark as unread. A menu button: Enter, Space or Down opens it on its first item; arrows,
 * Home and End move; Enter chooses; Escape closes and gives focus back to the button; Tab closes.
 * "Mark as unread" goes back to the list: the conversation stays unread until it is opened again.
 */
import { useEffect, useId, useRef, useState } from "react";
import type { ConversationSettings, ConversationView } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { hrefFor } from "../../lib/hooks.js";
import { useChatServices } from "./context.js";
import { MUTE_CHOICES, mutedNow } from "./conversation-settings.js";
import { menuItems, menuKeyHandler } from "./menu-keys.js";

type Change = Parameters<ReturnType<typeof useChatServices>["chat"]["setSettings"]>[1];

export function ConversationMenu({ view, now }: { view: ConversationView; now: number }) {
  const { t } = useI18n();
  const { chat } = useChatServices();
  const [open, setOpen] = useState(false);
  const [failed, setFailed] = useState(false);
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
  const apply = (change: Change) => {
    close(true);
    setFailed(false);
    chat.setSettings(view.conversationId, change).catch(() => setFailed(true));
  };
  const settings: ConversationSettings = view.settings;
  const muted = mutedNow(view, now);

  const onKeyDown = menuKeyHandler(menu, close);

  const item = (label: string, onClick: () => void, testId: string) => (
    <button
      key={testId}
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
    <div className="conv-menu-wrap">
      <button
        ref={button}
        type="button"
        className="icon-btn"
        aria-label={t("chat.settings.menu")}
        title={t("chat.settings.menu")}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        data-testid="conversation-menu"
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        <MoreIcon />
      </button>
      {open && (
        <div
          ref={menu}
          id={menuId}
          className="conv-menu"
          role="menu"
          aria-label={t("chat.settings.menu")}
          onKeyDown={onKeyDown}
          onBlur={(e) =>
            !e.currentTarget.contains(e.relatedTarget) && e.relatedTarget !== button.current && close(false)
          }
        >
          {item(
            t(settings.pinned ? "chat.settings.unpin" : "chat.settings.pin"),
            () => apply({ pinned: !settings.pinned }),
            "menu-pin",
          )}
          {muted
            ? item(t("chat.settings.unmute"), () => apply({ muted: null }), "menu-unmute")
            : MUTE_CHOICES.map((choice) =>
                item(
                  t(choice.label),
                  () => apply({ muted: { until: choice.ms === null ? null : Date.now() + choice.ms } }),
                  `menu-mute-${choice.ms ?? "forever"}`,
                ),
              )}
          {item(
            t(settings.archived ? "chat.settings.unarchive" : "chat.settings.archive"),
            () => apply({ archived: !settings.archived }),
            "menu-archive",
          )}
          {item(
            t("chat.settings.markUnread"),
            () => {
              // Away first: the open conversation would read (and so clear) it at once.
              window.location.hash = hrefFor("home");
              apply({ markedUnread: true });
            },
            "menu-mark-unread",
          )}
        </div>
      )}
      {failed && (
        <p className="conv-menu-failed" role="alert">
          {t("chat.settings.failed")}
        </p>
      )}
    </div>
  );
}

function MoreIcon() {
  return (
    <svg width="20" height="20" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true" focusable="false">
      <circle cx="5" cy="12" r="1.8" />
      <circle cx="12" cy="12" r="1.8" />
      <circle cx="19" cy="12" r="1.8" />
    </svg>
  );
}
