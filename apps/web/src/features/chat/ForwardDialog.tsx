/**
 * Forward: the quick switcher's dialog (same list, same filtering, same keyboard) as a picker of
 * the conversation to send a message to. The forwarded message is a new message of the user's, end
 * to end encrypted like any other: the text, and for a file the file itself, downloaded, opened and
 * sealed again under a new key in the other conversation (a blob belongs to the conversation it was
 * uploaded to, so its reference alone would not open for the other one's members). It carries the
 * "forwarded" mark (content v2, docs/E2E.md section 5): the mark only, not who wrote the original
 * or where, which the other conversation's members have no business learning. A device from
 * before v2 shows it as a message that needs an update; ordinary messages stay v1 for them.
 */
import type { E2eTextEntry, TextEntry } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import type { ChatLike } from "./services.js";
import { SwitcherDialog } from "./QuickSwitcher.js";
import type { SwitcherEntry } from "./quick-switcher.js";

export async function forwardMessage(
  chat: Pick<ChatLike, "send" | "sendAttachment" | "downloadAttachment">,
  entry: TextEntry,
  to: string,
): Promise<void> {
  const attachment = "attachment" in entry ? (entry as E2eTextEntry).attachment : undefined;
  if (!attachment) {
    await chat.send(to, entry.text, { forwarded: true });
    return;
  }
  const bytes = await chat.downloadAttachment(attachment);
  await chat.sendAttachment(to, bytes, {
    name: attachment.name,
    mime: attachment.mime,
    forwarded: true,
    ...(entry.text === "" ? {} : { caption: entry.text }),
  });
}

export function ForwardDialog({
  entry,
  onPick,
  onClose,
}: {
  entry: TextEntry;
  onPick(target: SwitcherEntry): void;
  onClose(): void;
}) {
  const { t } = useI18n();
  return (
    <SwitcherDialog
      currentId={entry.conversationId}
      title={t("chat.forwardTitle")}
      hint={t("chat.forwardHint")}
      testId="forward-dialog"
      onPick={onPick}
      onClose={onClose}
    />
  );
}
