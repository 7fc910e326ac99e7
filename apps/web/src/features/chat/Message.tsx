/**
 * One message of the timeline. The user's own messages can be edited (in place: Enter saves,
 * Escape cancels) and deleted (after a confirmation); focus goes back where it came from.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { checkMessageText, type PendingMessage, type TextEntry } from "@sealroom/sdk/browser";
import { Avatar } from "../../components/Avatar.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useChatServices } from "./context.js";
import { chatErrorText } from "./errors.js";
import { timeLabel } from "./format.js";
import { linkify } from "./linkify.js";
import { useMayPost } from "./mayPost.js";

export interface MessageProps {
  entry: TextEntry;
  own: boolean;
  kind: "dm" | "group";
  /** The sender's name, shown at the start of a run of messages in groups. */
  sender: string;
  /** First of a run of messages by the same sender: shows the name and avatar. */
  first: boolean;
  /** Delivery state text for the user's latest message. */
  status?: string;
}

export function Message({ entry, own, kind, sender, first, status }: MessageProps) {
  const { t, lang, describeError } = useI18n();
  const { chat } = useChatServices();
  const [mode, setMode] = useState<"view" | "edit" | "confirm-delete">("view");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const deleted = entry.deletedTs !== null;
  const showSender = kind === "group" && !own && first;
  const time = timeLabel(entry.ts, lang);

  const finish = (focusEdit: boolean) => {
    setMode("view");
    if (focusEdit) requestAnimationFrame(() => editButton.current?.focus());
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

  return (
    <div className={`msg ${own ? "msg-own" : "msg-other"}${first ? " msg-first" : ""}`} data-testid="message" data-seq={entry.seq}>
      {kind === "group" && !own && <span className="msg-avatar">{first ? <Avatar name={sender} size={32} /> : null}</span>}
      <div className="msg-main">
        {showSender && (
          <div className="msg-sender" translate="no">
            {sender}
          </div>
        )}
        {mode === "edit" ? (
          <EditBox
            initial={entry.text}
            busy={busy}
            onCancel={() => finish(true)}
            onSave={(text) => void run(() => chat.edit(entry.conversationId, entry.seq, text), () => finish(true))}
          />
        ) : (
          <div className="msg-row">
            <div className={`bubble${deleted ? " bubble-deleted" : ""}`}>
              {deleted ? <span className="msg-tombstone">{t("chat.deleted")}</span> : <span className="msg-text">{linkify(entry.text)}</span>}
              <span className="msg-meta">
                {entry.editedTs !== null && !deleted && <span className="msg-edited">{t("chat.edited")} · </span>}
                <time dateTime={new Date(entry.ts).toISOString()}>{time}</time>
              </span>
            </div>
            {own && !deleted && mode === "view" && (
              <div className="msg-tools" role="group" aria-label={t("chat.actions")}>
                <button ref={editButton} type="button" className="icon-btn" onClick={() => setMode("edit")} aria-label={t("chat.edit")} title={t("chat.edit")}>
                  <PencilIcon />
                </button>
                <button type="button" className="icon-btn" onClick={() => setMode("confirm-delete")} aria-label={t("chat.delete")} title={t("chat.delete")}>
                  <TrashIcon />
                </button>
              </div>
            )}
          </div>
        )}
        {mode === "confirm-delete" && (
          <ConfirmDelete
            busy={busy}
            onCancel={() => finish(true)}
            onConfirm={() =>
              void run(
                () => chat.delete(entry.conversationId, entry.seq),
                () => {
                  setMode("view");
                  // The buttons that had focus are gone with the message: continue in the composer.
                  document.querySelector<HTMLTextAreaElement>(".composer-input")?.focus();
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
        {status && (
          <div className="msg-status" data-testid="message-status">
            {status}
          </div>
        )}
      </div>
    </div>
  );
}

function EditBox({ initial, busy, onSave, onCancel }: { initial: string; busy: boolean; onSave(text: string): void; onCancel(): void }) {
  const { t } = useI18n();
  const [text, setText] = useState(initial);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = box.current;
    el?.focus();
    el?.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const valid = checkMessageText(text).ok && text !== initial;
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
    } else if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      if (valid) onSave(text);
    }
  };
  return (
    <div className="msg-edit">
      <textarea ref={box} className="msg-edit-input" value={text} aria-label={t("chat.editLabel")} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} rows={Math.min(6, text.split("\n").length)} />
      <div className="msg-edit-actions">
        <span className="msg-edit-hint">{t("chat.editHint")}</span>
        <button type="button" className="btn btn-ghost btn-small" onClick={onCancel}>
          {t("chat.cancel")}
        </button>
        <button type="button" className="btn btn-primary btn-small" disabled={!valid || busy} onClick={() => onSave(text)}>
          {t("chat.save")}
        </button>
      </div>
    </div>
  );
}

function ConfirmDelete({ busy, onConfirm, onCancel }: { busy: boolean; onConfirm(): void; onCancel(): void }) {
  const { t } = useI18n();
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div className="msg-confirm" role="group" aria-label={t("chat.deleteConfirm")} onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      <span>{t("chat.deleteConfirm")}</span>
      <button ref={cancel} type="button" className="btn btn-ghost btn-small" onClick={onCancel}>
        {t("chat.cancel")}
      </button>
      <button type="button" className="btn btn-danger btn-small" disabled={busy} onClick={onConfirm}>
        {t("chat.delete")}
      </button>
    </div>
  );
}

/** A message on its way (or refused): "sending", or "not sent" with the reason and retry/discard. */
export function PendingBubble({ message, kind }: { message: PendingMessage; kind: "dm" | "group" }) {
  const { t, describeError } = useI18n();
  const { chat } = useChatServices();
  const failed = message.status === "failed";
  // No longer friends (or no longer in the group): a Retry could never succeed, so none is offered.
  const mayPost = useMayPost(message.conversationId);
  return (
    <div className={`msg msg-own msg-first${failed ? " msg-failed" : " msg-sending"}`} data-testid="pending-message">
      <div className="msg-main">
        <div className="msg-row">
          <div className="bubble">
            <span className="msg-text">{message.text}</span>
          </div>
        </div>
        {failed ? (
          <div className="msg-status msg-status-failed">
            <span role="alert">
              {t("chat.status.failed")}: {chatErrorText(message.error, kind, { t, describeError })}
            </span>
            {mayPost && (
              <button type="button" className="link-btn" onClick={() => void chat.retry(message.clientMsgId)?.catch(() => undefined)}>
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

const icon = { width: 16, height: 16, viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 2, strokeLinecap: "round" as const, strokeLinejoin: "round" as const, "aria-hidden": true, focusable: false };

function PencilIcon() {
  return (
    <svg {...icon}>
      <path d="M4 20h4L19 9l-4-4L4 16z" />
      <path d="m13.5 6.5 4 4" />
    </svg>
  );
}

function TrashIcon() {
  return (
    <svg {...icon}>
      <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />
    </svg>
  );
}

function ClockIcon() {
  return (
    <svg {...icon} width={12} height={12}>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7v5l3 2" />
    </svg>
  );
}
