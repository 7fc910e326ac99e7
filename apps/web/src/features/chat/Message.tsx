/**
 * One message of the timeline. The user's own messages can be edited (in place: Enter saves,
 * Escape cancels) and deleted (after a confirmation); focus goes back where it came from. In an
 * end-to-end encrypted conversation anyone's message can be answered (a reply, quoted above the
 * answer) and reacted to (an emoji, shown under it).
 *
 * Its actions are one context menu (MessageMenu.tsx): right click, long press on touch, the hover
 * tools' "More", and by keyboard (a message is one stop of the timeline; MessageList moves between
 * them) the menu key, Shift+F10 or Enter. The buttons shown on hover are for
 * the pointer only and stay out of the Tab order: a long conversation must not put two stops per
 * message between the reader and the composer, and a stray Tab then typing must not press one.
 * Phones show no edit and delete icons (messages.css): the long press is the way there.
 * Text and names are each in their own bidi isolate (<bdi>), so nothing in them can reorder the
 * time or anything else outside them.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type { E2eTextEntry, PendingMessage, TextEntry } from "@sealroom/sdk/browser";
import { Avatar } from "../../components/Avatar.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useChatServices } from "./context.js";
import { e2eStatusOf } from "./e2e.js";
import { useHistoryLocked } from "./history-backup.js";
import { chatErrorText } from "./errors.js";
import { timeLabel } from "./format.js";
import { mentionsMe, type MentionMarks } from "./mentions.js";
import { RichText } from "./RichText.js";
import { AttachmentCard } from "./attachments.js";
import {
  ClockIcon,
  ConfirmDelete,
  EditBox,
  ForwardedMark,
  MoreIcon,
  PencilIcon,
  ReplyIcon,
  TrashIcon,
} from "./MessageParts.js";
import { hasActions, MessageMenu, openMenuAt, type MessageActions } from "./MessageMenu.js";
import { ForwardDialog, forwardMessage } from "./ForwardDialog.js";
import { messageLink } from "./message-link.js";
import { useMayPost } from "./mayPost.js";
import { EmojiButton, EmojiPopover } from "./emoji/EmojiButton.js";
import { ReactionChips, ReplyQuote, type ReplyTarget } from "./Responses.js";
import { Tip } from "../../components/Tip.js";

export interface MessageProps {
  entry: TextEntry;
  own: boolean;
  kind: "dm" | "group";
  /** The sender's name ("" for the user's own), shown over the first of a group's messages in group conversations. */
  sender: string;
  /**
   * First of a group of messages by the same sender (grouping.ts): shows the name, avatar and time;
   * the following ones show their time on hover and focus. `last` closes the group.
   */
  first: boolean;
  last?: boolean;
  /** Delivery state text for the user's latest message. */
  status?: string;
  /** 0 for the timeline's one Tab stop, -1 for the others. */
  tabIndex: number;
  /** When this device's user wrote it, if it waited on the device long enough to tell (see ChatStore). */
  writtenTs?: number | undefined;
  /** Up in the empty composer asked to edit this message: open the editor, then call onEditStarted. */
  editRequested?: boolean;
  onEditStarted?(): void;
  /** What it answers, when it is a reply. */
  replyTarget?: ReplyTarget | undefined;
  /** Replies and reactions can be sent here (an encrypted conversation the user may post in). */
  canRespond?: boolean;
  /** The signed-in user and the names of those who reacted. */
  me?: number | undefined;
  nameOf?(userId: number): string;
  onReply?(entry: TextEntry, sender: string): void;
  /** Shows the message at `seq` (a reply's original). */
  onJump?(seq: number): void;
  /** The users its content mentions (highlighted; the user's own mention more so). */
  mentions?: MentionMarks | undefined;
}

/** Keys that open a focused message's actions. */
const isMenuKey = (e: KeyboardEvent) => e.key === "ContextMenu" || (e.key === "F10" && e.shiftKey) || e.key === "Enter";

export function Message({
  entry,
  own,
  kind,
  sender,
  first,
  last = true,
  status,
  tabIndex,
  writtenTs,
  editRequested,
  onEditStarted,
  replyTarget,
  canRespond = false,
  me,
  nameOf = String,
  onReply,
  onJump,
  mentions,
}: MessageProps) {
  const { t, lang, describeError } = useI18n();
  const { chat } = useChatServices();
  const [mode, setMode] = useState<"view" | "edit" | "confirm-delete" | "react" | "forward">("view");
  /** A short confirmation ("Copied"), announced and shown under the message. */
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  /** Where focus goes when an edit or delete ends: the message, or the composer it was asked from. */
  const returnTo = useRef<"message" | "composer">("message");
  const deleted = entry.deletedTs !== null;
  const e2e = e2eStatusOf(entry);
  // Encrypted but not readable here: said so, never hidden; there is no text to edit.
  const unreadable = e2e === "undecryptable" || e2e === "unavailable";
  // Locked history: what this device missed is in the backup, once another device approves it.
  const historyLocked = useHistoryLocked(chat);
  // With encryption on, a message without the flag was sent as plaintext (before encryption).
  const plaintext = chat.e2e !== undefined && e2e === undefined;
  const actionable = own && !deleted && !unreadable;
  // Replies and reactions name their target by its content id: only a message read here has one.
  const respondable = canRespond && e2e === "decrypted" && !deleted;
  // Copy and forward need content this device can read.
  const readable = !deleted && !unreadable;
  const attachment = "attachment" in entry && !deleted ? (entry as E2eTextEntry).attachment : undefined;
  // A file without a caption: no text line for the time to end (messages.css lays it out beside the card).
  const captionless = attachment !== undefined && entry.text === "";
  // The sender's mark (content v2): copied from another message, by whom and from where not said.
  const forwarded = "forwarded" in entry && entry.forwarded === true && !deleted && !unreadable;
  const reactions = "reactions" in entry && Array.isArray(entry.reactions) ? entry.reactions : [];
  const showSender = kind === "group" && !own && first;
  const time = timeLabel(entry.ts, lang);
  // Sender and time are the message's name on every message of a group, shown or not; its content
  // is the description, so a screen reader that announces a focused message reads it all.
  const label = t("chat.messageLabel", { sender: own ? t("chat.you") : sender, time });
  const edited = entry.editedTs !== null && !deleted;
  const written = writtenTs !== undefined && !deleted;
  const bodyId = useId();

  useEffect(() => {
    if (!editRequested) return;
    onEditStarted?.();
    if (!actionable) return;
    returnTo.current = "composer";
    setMode("edit");
    root.current?.scrollIntoView({ block: "nearest" });
  }, [editRequested, onEditStarted, actionable]);

  const refocus = () => {
    const target =
      returnTo.current === "composer" ? document.querySelector<HTMLTextAreaElement>(".composer-input") : root.current;
    returnTo.current = "message";
    // Both are there whatever this message shows next, so focus can move at once.
    target?.focus({ preventScroll: true });
  };

  const finish = () => {
    setMode("view");
    refocus();
  };
  // A modal dialog keeps the page inert until it has closed: focus moves back after that.
  const leaveDialog = () => {
    setMode("view");
    setTimeout(refocus, 0);
  };

  const run = async (action: () => Promise<unknown>, after: () => void) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      after();
    } catch (err) {
      setError(chatErrorText(err, kind, { t, describeError }));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (notice === undefined) return;
    const timer = setTimeout(() => setNotice(undefined), 2500);
    return () => clearTimeout(timer);
  }, [notice]);

  /** The chosen action leaves focus on the message once the menu has closed. */
  const backToMessage = useRef(false);
  const copy = (text: string) => {
    backToMessage.current = true;
    navigator.clipboard.writeText(text).then(
      () => setNotice(t("chat.copied")),
      () => setError(t("chat.copyFailed")),
    );
  };

  const react = (emoji: string) =>
    void run(
      () => chat.react(entry.conversationId, entry.seq, emoji),
      () => undefined,
    );
  const reply = () => {
    setMode("view");
    onReply?.(entry, own ? t("chat.you") : sender);
  };

  const actions: MessageActions = {
    ...(respondable ? { onReply: reply, onReact: () => setMode("react") } : {}),
    ...(readable && entry.text !== "" ? { onCopyText: () => copy(entry.text) } : {}),
    ...(readable
      ? {
          onCopyLink: () => copy(messageLink(entry.conversationId, entry.seq)),
          onForward: () => setMode("forward"),
        }
      : {}),
    ...(actionable ? { onEdit: () => setMode("edit"), onDelete: () => setMode("confirm-delete") } : {}),
  };
  const anyActions = hasActions(actions);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget || !isMenuKey(e)) return;
    e.preventDefault();
    if (anyActions && mode === "view" && root.current) openMenuAt(root.current);
  };

  return (
    <MessageMenu
      actions={actions}
      onChose={() => setError(undefined)}
      onClosed={(e, chose) => {
        const back = backToMessage.current;
        backToMessage.current = false;
        // The action moved focus (the editor, the composer, the picker, a dialog): it stays there.
        if (chose && !back) return e.preventDefault();
        // Back on the message after Copy, and when the menu had focus with it (Escape); not away
        // from what a click elsewhere focused.
        const active = document.activeElement;
        if (!chose && active !== document.body && active !== null) return;
        e.preventDefault();
        root.current?.focus({ preventScroll: true });
      }}
    >
      <div
        ref={root}
        className={`msg ${own ? "msg-own" : "msg-other"}${first ? " msg-first" : ""}${last ? " msg-last" : ""}`}
        data-testid="message"
        data-seq={entry.seq}
        data-e2e={e2e ?? (plaintext ? "plaintext" : undefined)}
        data-mentions-me={(!deleted && mentions?.me !== undefined && mentionsMe(entry, mentions.me)) || undefined}
        data-roving=""
        role="article"
        aria-label={label}
        aria-describedby={bodyId}
        tabIndex={tabIndex}
        aria-keyshortcuts={anyActions ? "Shift+F10" : undefined}
        onKeyDown={onKeyDown}
      >
        {kind === "group" && !own && (
          <span className="msg-avatar">
            {first ? <Avatar name={sender} userId={entry.senderId} size={32} /> : null}
          </span>
        )}
        <div className="msg-main">
          {showSender && (
            <div className="msg-sender" translate="no">
              <bdi>{sender}</bdi>
            </div>
          )}
          {replyTarget && (
            <ReplyQuote target={replyTarget} tabIndex={tabIndex === 0 ? 0 : -1} onJump={(seq) => onJump?.(seq)} />
          )}
          {mode === "edit" ? (
            <EditBox
              initial={entry.text}
              busy={busy}
              onCancel={finish}
              onSave={(text) => void run(() => chat.edit(entry.conversationId, entry.seq, text), finish)}
            />
          ) : (
            <div className="msg-row">
              <div
                className={`bubble${deleted || unreadable ? " bubble-deleted" : ""}${captionless ? " bubble-file" : ""}`}
              >
                <div className="msg-body" id={bodyId}>
                  {deleted ? (
                    <span className="msg-tombstone">{t("chat.deleted")}</span>
                  ) : unreadable ? (
                    <span className="msg-tombstone msg-unreadable">
                      {t(
                        e2e === "undecryptable"
                          ? "chat.undecryptable"
                          : historyLocked
                            ? "chat.unavailableLocked"
                            : "chat.unavailable",
                      )}
                    </span>
                  ) : (
                    <>
                      {forwarded && <ForwardedMark />}
                      {attachment && <AttachmentCard attachment={attachment} />}
                      {entry.text !== "" && (
                        <RichText text={entry.text} linkTabIndex={tabIndex === 0 ? 0 : -1} mentions={mentions} />
                      )}
                    </>
                  )}
                </div>
                <span className="msg-meta">
                  {plaintext && <span className="sr-only">{t("chat.notE2e")} · </span>}
                  {edited && <span className="msg-edited">{t("chat.edited")}</span>}
                  {written && <Written ts={writtenTs} after={edited} />}
                  {/* With its separator: what a following message of a group shows only on hover and focus. */}
                  <span className="msg-stamp">
                    {(edited || written) && " · "}
                    <time dateTime={new Date(entry.ts).toISOString()}>{time}</time>
                  </span>
                </span>
              </div>
              {anyActions && mode === "view" && (
                <div className="msg-tools" role="group" aria-label={t("chat.actions")}>
                  {respondable && (
                    <>
                      <EmojiButton
                        onPick={react}
                        label={t("chat.react")}
                        className="icon-btn"
                        testId="react-button"
                        tabIndex={-1}
                        id={`react-picker-${entry.seq}`}
                      />
                      <Tip label={t("chat.reply")}>
                        <button
                          type="button"
                          tabIndex={-1}
                          className="icon-btn"
                          onClick={reply}
                          aria-label={t("chat.reply")}
                          data-testid="reply-button"
                        >
                          <ReplyIcon />
                        </button>
                      </Tip>
                    </>
                  )}
                  {actionable && (
                    <>
                      <Tip label={t("chat.edit")}>
                        <button
                          type="button"
                          tabIndex={-1}
                          className="icon-btn msg-tool-desktop"
                          onClick={() => setMode("edit")}
                          aria-label={t("chat.edit")}
                        >
                          <PencilIcon />
                        </button>
                      </Tip>
                      <Tip label={t("chat.delete")}>
                        <button
                          type="button"
                          tabIndex={-1}
                          className="icon-btn msg-tool-desktop"
                          onClick={() => setMode("confirm-delete")}
                          aria-label={t("chat.delete")}
                        >
                          <TrashIcon />
                        </button>
                      </Tip>
                    </>
                  )}
                  <Tip label={t("chat.more")}>
                    <button
                      type="button"
                      tabIndex={-1}
                      className="icon-btn"
                      onClick={(e) => root.current && openMenuAt(root.current, e.currentTarget)}
                      aria-label={t("chat.more")}
                      data-testid="more-button"
                    >
                      <MoreIcon />
                    </button>
                  </Tip>
                </div>
              )}
            </div>
          )}
          {reactions.length > 0 && (
            <ReactionChips
              reactions={reactions}
              me={me}
              nameOf={nameOf}
              tabIndex={tabIndex === 0 && respondable ? 0 : -1}
              onToggle={(emoji) => respondable && react(emoji)}
            />
          )}
          {mode === "react" && (
            <EmojiPopover
              id={`react-picker-${entry.seq}`}
              onPick={(emoji) => {
                finish();
                react(emoji);
              }}
              onClose={(again) => {
                setMode("view");
                if (again) refocus();
              }}
            />
          )}
          {mode === "forward" && (
            <ForwardDialog
              entry={entry}
              onClose={() => leaveDialog()}
              onPick={(target) => {
                leaveDialog();
                void run(
                  () => forwardMessage(chat, entry, target.conversationId),
                  () => setNotice(t("chat.forwarded", { name: target.title })),
                );
              }}
            />
          )}
          {mode === "confirm-delete" && (
            <ConfirmDelete
              busy={busy}
              onCancel={finish}
              onConfirm={() =>
                void run(
                  () => chat.delete(entry.conversationId, entry.seq),
                  () => {
                    // What the user acted on is gone: continue in the composer (Shift+Tab comes back here).
                    returnTo.current = "composer";
                    finish();
                  },
                )
              }
            />
          )}
          {error && (
            <p className="msg-error" role="alert">
              {error}
            </p>
          )}
          <p className="msg-notice" role="status" data-testid="message-notice">
            {notice}
          </p>
          {status && (
            <div className="msg-status" data-testid="message-status">
              {status}
            </div>
          )}
        </div>
      </div>
    </MessageMenu>
  );
}

/**
 * "Written 9:40": when the user wrote a message that reached the server later (sent offline);
 * `after`: something comes before it in the line.
 */
function Written({ ts, after }: { ts: number; after: boolean }) {
  const { t, lang } = useI18n();
  return (
    <span className="msg-written">
      {after && " · "}
      <span data-testid="message-written">{t("chat.written", { time: timeLabel(ts, lang) })}</span>
    </span>
  );
}

/**
 * A message on its way (or refused): "sending", or "not sent" with the reason and retry/discard.
 * It joins the group of the user's messages before it (`first`, `last` as for Message).
 */
export function PendingBubble({
  message,
  kind,
  tabIndex,
  first = true,
  last = true,
}: {
  message: PendingMessage;
  kind: "dm" | "group";
  tabIndex: number;
  first?: boolean;
  last?: boolean;
}) {
  const { t, lang, describeError } = useI18n();
  const { chat } = useChatServices();
  const failed = message.status === "failed";
  // No longer friends (or no longer in the group): a Retry could never succeed, so none is offered.
  const mayPost = useMayPost(message.conversationId);
  return (
    <div
      className={`msg msg-own${first ? " msg-first" : ""}${last ? " msg-last" : ""}${failed ? " msg-failed" : " msg-sending"}`}
      data-testid="pending-message"
      data-roving=""
      role="article"
      tabIndex={tabIndex}
    >
      <div className="msg-main">
        <div className="msg-row">
          <div className="bubble">
            {message.forwarded && <ForwardedMark />}
            <RichText text={message.text} linkTabIndex={tabIndex === 0 ? 0 : -1} />
            <span className="msg-meta">
              <span className="msg-written" data-testid="message-written">
                {t("chat.written", { time: timeLabel(message.writtenTs, lang) })}
              </span>
            </span>
          </div>
        </div>
        {failed ? (
          <div className="msg-status msg-status-failed">
            <span role="alert">
              {t("chat.status.failed")}: {chatErrorText(message.error, kind, { t, describeError })}
            </span>
            {mayPost && (
              <button
                type="button"
                className="link-btn"
                onClick={() => void chat.retry(message.clientMsgId)?.catch(() => undefined)}
              >
                {t("chat.retry")}
              </button>
            )}
            <button type="button" className="link-btn" onClick={() => chat.discard(message.clientMsgId)}>
              {t("chat.discard")}
            </button>
          </div>
        ) : (
          <div className="msg-status" data-testid="message-status">
            <ClockIcon /> {t("chat.status.sending")}
          </div>
        )}
      </div>
    </div>
  );
}
