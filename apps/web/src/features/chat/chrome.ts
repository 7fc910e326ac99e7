/** What the chat does outside its views: the unread total in the tab title, and notifications. */
import { useEffect, useRef } from "react";
import type { ConversationView } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useNavigate } from "react-router";
import { chatPath } from "../../lib/routes.js";
import { useChatServices, useChatSnapshot } from "./context.js";
import { mutedNow } from "./conversation-settings.js";
import { plainText } from "./markdown.js";

/** Unread messages in the tab title: muted conversations do not ask for attention there. */
export function unreadTotal(
  conversations: readonly Pick<ConversationView, "unread" | "settings">[],
  now: number = Date.now(),
): number {
  return conversations.reduce((sum, c) => sum + (mutedNow(c, now) ? 0 : c.unread), 0);
}

export function useChatChrome(openConversation: string | undefined): void {
  const { t } = useI18n();
  const { notifier, chat } = useChatServices();
  const { conversations } = useChatSnapshot();
  const total = unreadTotal(conversations);
  const navigate = useNavigate();

  useEffect(() => {
    const base = t("app.name");
    document.title = total > 0 ? t("title.unread", { count: total > 999 ? "999+" : total }) : base;
    return () => {
      document.title = base;
    };
  }, [t, total]);

  const open = useRef(openConversation);
  open.current = openConversation;
  useEffect(
    () =>
      notifier.attach({
        openConversation: () => open.current,
        text: ({ sender, group, preview }) => ({
          title: group ? t("notify.inGroup", { sender, group }) : sender,
          // What the message says, not how it is formatted.
          body: plainText(preview),
        }),
        open: (id) => {
          void navigate(chatPath(id));
        },
        muted: (id) => {
          const view = chat.getSnapshot().byId[id];
          return view !== undefined && mutedNow(view, Date.now());
        },
        // Encrypted messages are worded from the text decrypted on this device.
        ...(chat.e2e ? { entries: (listener: Parameters<typeof chat.onEntry>[0]) => chat.onEntry(listener) } : {}),
      }),
    [notifier, chat, t, navigate],
  );
}
