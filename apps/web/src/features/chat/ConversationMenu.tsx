/**
 * The open conversation's options (the header's "⋯"): pin, mute for a while or until unmuted,
 * archive, mark as unread. A menu button (Radix DropdownMenu): Enter, Space or Down opens it on its
 * first item; arrows, Home and End move; Enter chooses; Escape closes back on the button.
 * "Mark as unread" goes back to the list: the conversation stays unread until it is opened again.
 */
import * as Menu from "@radix-ui/react-dropdown-menu";
import { useState } from "react";
import type { ConversationSettings, ConversationView } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useNavigate } from "react-router";
import { HOME } from "../../lib/routes.js";
import { useChatServices } from "./context.js";
import { MUTE_CHOICES, mutedNow } from "./conversation-settings.js";
import { firstItemOnOpen } from "./menu-keys.js";
import { Tip } from "../../components/Tip.js";

type Change = Parameters<ReturnType<typeof useChatServices>["chat"]["setSettings"]>[1];

export function ConversationMenu({ view, now }: { view: ConversationView; now: number }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const { chat } = useChatServices();
  const [failed, setFailed] = useState(false);
  const apply = (change: Change) => {
    setFailed(false);
    chat.setSettings(view.conversationId, change).catch(() => setFailed(true));
  };
  const settings: ConversationSettings = view.settings;
  const muted = mutedNow(view, now);

  const item = (label: string, onSelect: () => void, testId: string) => (
    <Menu.Item key={testId} className="conv-menu-item" onSelect={onSelect} data-testid={testId}>
      {label}
    </Menu.Item>
  );

  return (
    <div className="conv-menu-wrap">
      <Menu.Root modal={false}>
        <Tip label={t("chat.settings.menu")} side="bottom">
          <Menu.Trigger className="icon-btn" aria-label={t("chat.settings.menu")} data-testid="conversation-menu">
            <MoreIcon />
          </Menu.Trigger>
        </Tip>
        <Menu.Portal>
          <Menu.Content
            className="conv-menu"
            align="end"
            sideOffset={4}
            loop
            aria-label={t("chat.settings.menu")}
            {...firstItemOnOpen}
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
                void navigate(HOME);
                apply({ markedUnread: true });
              },
              "menu-mark-unread",
            )}
          </Menu.Content>
        </Menu.Portal>
      </Menu.Root>
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
