/**
 * The message box: Enter sends, Shift+Enter starts a new line, and Enter while an input method is
 * composing (pinyin, kana) confirms the composition instead of sending. Up in the empty box edits
 * the user's last message. The draft is kept per conversation. Sending never waits for the
 * network: the message joins the outbox at once and is shown as "sending" until the server has it,
 * across reconnects and reloads.
 *
 * Near the length limit a counter appears, and whenever Send is disabled for a reason other than
 * an empty box, the reason is shown (and announced) under it: a message that cannot be sent must
 * not fail silently.
 *
 * The text stays plain (Markdown is shown formatted only once sent). Emoji: the picker button, or
 * a shortcode typed (":smile:" becomes 😄 as the second colon is typed; from ":sm" on, matches are
 * offered). Mentions: "@" offers the conversation's members (MentionSuggestions.tsx); the message
 * names the members whose @username it holds when sent (mentions.tsx). Both lists are React Aria
 * listboxes joined to the message box (SuggestionList.tsx): it hands them Up/Down and Page Up/Down
 * only (Home and End stay the caret's); what Enter, Tab and Escape do is decided here.
 */
import { useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { CHAT_LIMITS, checkMessageText, textLength } from "@sealroom/sdk/browser";
import { CloseIcon, PaperclipIcon } from "../../components/Icons.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { ConfirmDialog, type ConfirmRequest } from "../social/ConfirmDialog.js";
import { useChatServices } from "./context.js";
import { useMe } from "./hooks.js";
import { MentionSuggestions, useMentionables } from "./MentionSuggestions.js";
import { insertMention, matchMembers, mentionedIn, typedMention, type Mentionable } from "./mentions.js";
import { UploadList, useUploads } from "./attachments.js";
import { snippet } from "./Responses.js";
import { EmojiButton } from "./emoji/EmojiButton.js";
import { ShortcodeSuggestions } from "./emoji/ShortcodeSuggestions.js";
import {
  insertChosen,
  replaceFinished,
  typedShortcode,
  useShortcodes,
  type Shortcode,
  type Typed,
} from "./emoji/shortcodes.js";
import { Tip } from "../../components/Tip.js";
import { SuggestionArea, useSuggestionField } from "./SuggestionList.js";

/** The counter shows from this many characters before the limit. */
const COUNTER_FROM = 500;

export interface ComposerProps {
  conversationId: string;
  name: string;
  autoFocus?: boolean;
  /** Up in the empty box: edit the user's last message; false if there is none. */
  onEditLast?(): boolean;
  /** The message the next one answers, and how to let go of it (sent or cancelled). */
  reply?: ReplyDraft | undefined;
  onReplyDone?(): void;
  /**
   * Set while a verified contact's devices changed since the user verified them: each send asks
   * first (send anyway, or review the encryption details), until verified again or dismissed.
   */
  keysChanged?: { onReview(): void; /** A group: the flagged members, as one list. */ names?: string } | undefined;
}

/** The message the composer's next message answers. */
export interface ReplyDraft {
  seq: number;
  sender: string;
  text: string;
}

export function Composer(props: ComposerProps) {
  return (
    <SuggestionArea>
      <ComposerForm {...props} />
    </SuggestionArea>
  );
}

function ComposerForm({ conversationId, name, autoFocus, onEditLast, reply, onReplyDone, keysChanged }: ComposerProps) {
  const { t } = useI18n();
  const { chat, drafts } = useChatServices();
  const [text, setText] = useState(() => drafts.get(conversationId));
  const box = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState(() => text.length);
  /** Where the caret goes after the text changed under it (an emoji put in). */
  const moveCaret = useRef<number | undefined>(undefined);
  const field = useSuggestionField(box);
  /** The suggestion Enter or Tab takes (the list's active option). */
  const activeMember = useRef<Mentionable | undefined>(undefined);
  const activeShortcode = useRef<Shortcode | undefined>(undefined);
  /** The ":" whose suggestions Escape closed. */
  const [dismissed, setDismissed] = useState<number>();
  const [focused, setFocused] = useState(false);
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  const { uploads, start: upload, dismiss } = useUploads(conversationId);
  const fileInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  /** Files picked, dropped or pasted go up at once (encrypted: only end-to-end conversations take them). */
  const attach = (files: readonly File[]) => {
    if (files.length === 0 || !chat.e2e) return;
    upload(files);
  };
  // Loaded as soon as the user may type one, so a quick ":tada:" is ready when the colon closes it.
  const shortcodes = useShortcodes(focused || text.includes(":"));
  const typed = typedShortcode(text, caret);
  const suggestions = typed && shortcodes && typed.start !== dismissed ? shortcodes.search(typed.query) : [];
  const members = useMentionables(conversationId);
  const me = useMe();
  const mention = typedMention(text, caret);
  /** The "@" whose suggestions Escape closed. */
  const [dismissedMention, setDismissedMention] = useState<number>();
  const people = mention && mention.start !== dismissedMention ? matchMembers(members, mention.query, me) : [];
  const mentioning = mention !== undefined && people.length > 0;
  const suggesting = !mentioning && typed !== undefined && suggestions.length > 0;

  useEffect(() => {
    if (autoFocus) box.current?.focus();
  }, [autoFocus]);
  // Reply chosen on a message: the user writes the answer next.
  useEffect(() => {
    if (reply) box.current?.focus();
  }, [reply?.seq]);

  // Grow with the text up to a few lines, then scroll inside.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 180)}px`;
    if (moveCaret.current !== undefined && document.activeElement === el) {
      el.setSelectionRange(moveCaret.current, moveCaret.current);
      moveCaret.current = undefined;
    }
  }, [text]);

  const check = checkMessageText(text);
  const length = textLength(text);
  const left = CHAT_LIMITS.textMax - length;
  const showCount = left <= COUNTER_FROM;
  const problem = check.ok || check.reason === "empty" ? undefined : t(PROBLEM[check.reason]);

  const change = (value: string) => {
    setText(value);
    drafts.set(conversationId, value);
    if (value.trim() !== "") chat.typing(conversationId);
  };

  /** Typing: a finished ":name:" becomes its emoji at once. */
  const edit = (value: string, at: number) => {
    const done = shortcodes && replaceFinished(value, at, shortcodes);
    if (done) moveCaret.current = done.caret;
    change(done ? done.text : value);
    setCaret(done ? done.caret : at);
    // An "@" closed by Escape is offered again once it is gone (deleted, or the text cleared).
    if (dismissedMention !== undefined && typedMention(value, at)?.start !== dismissedMention)
      setDismissedMention(undefined);
  };

  const put = (next: { text: string; caret: number }) => {
    moveCaret.current = next.caret;
    change(next.text);
    setCaret(next.caret);
    box.current?.focus();
  };

  const choose = (item: Shortcode, at: Typed) => put(insertChosen(text, caret, at, item.emoji));
  const chooseMember = (member: Mentionable) => {
    if (!mention) return;
    put(insertMention(text, caret, mention, member));
  };

  const pick = (emoji: string) => {
    const el = box.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? start;
    put({ text: text.slice(0, start) + emoji + text.slice(end), caret: start + emoji.length });
  };

  const send = () => {
    if (!check.ok) return;
    if (keysChanged) {
      const names = keysChanged.names;
      setConfirm({
        title: names === undefined ? t("verify.confirmTitle", { name }) : t("verify.groupConfirmTitle"),
        body: names === undefined ? t("verify.confirmBody", { name }) : t("verify.groupConfirmBody", { names }),
        confirmLabel: t("verify.sendAnyway"),
        onConfirm: deliver,
        cancelLabel: t("verify.review"),
        onCancel: keysChanged.onReview,
      });
      return;
    }
    deliver();
  };

  const deliver = () => {
    // A refusal is not lost: the outbox keeps the message as failed, shown with retry/discard.
    const mentions = mentionedIn(text, members, me);
    chat
      .send(conversationId, text, {
        ...(reply ? { replyToSeq: reply.seq } : {}),
        ...(mentions.length > 0 ? { mentions } : {}),
      })
      .catch(() => undefined);
    onReplyDone?.();
    change("");
    box.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "ArrowUp" && text === "" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && onEditLast?.()) {
      e.preventDefault();
      return;
    }
    if ((mentioning || suggesting) && !e.nativeEvent.isComposing && suggestionKey(e)) return;
    if (e.key === "Escape" && reply && !e.nativeEvent.isComposing) {
      e.preventDefault();
      onReplyDone?.();
      return;
    }
    if (e.key !== "Enter" || e.shiftKey || e.nativeEvent.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    send();
  };

  /** An open list's keys (mentions first, else shortcodes); true when the key was theirs. */
  const suggestionKey = (e: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
      const member = activeMember.current;
      const shortcode = activeShortcode.current;
      if (mentioning && member) chooseMember(member);
      else if (!mentioning && typed && shortcode) choose(shortcode, typed);
    } else if (e.key === "Escape") {
      if (mentioning) setDismissedMention(mention.start);
      else if (typed) setDismissed(typed.start);
    } else if (!field.navigate(e)) return false;
    e.preventDefault();
    return true;
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    send();
  };

  const label = t("chat.composer", { name });
  const describedBy = ["composer-hint", showCount && "composer-count", problem && "composer-problem"]
    .filter(Boolean)
    .join(" ");
  return (
    <>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(undefined)} />
      <form
        className={`composer${chat.e2e ? " composer-attach" : ""}${dragging ? " composer-dragging" : ""}`}
        onSubmit={onSubmit}
        onDragOver={(e) => {
          if (!chat.e2e || !e.dataTransfer.types.includes("Files")) return;
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          setDragging(false);
          if (e.dataTransfer.files.length === 0) return;
          e.preventDefault();
          attach([...e.dataTransfer.files]);
        }}
        data-testid="composer-form"
      >
        <UploadList
          uploads={uploads}
          onDismiss={(id) => {
            dismiss(id);
            // Its row (and the button pressed) is gone: back to the message box.
            box.current?.focus();
          }}
        />
        {reply && (
          <div className="composer-reply" data-testid="composer-reply">
            <div className="composer-reply-text">
              <span className="composer-reply-to">{t("chat.reply.to", { name: reply.sender })}</span>
              <bdi className="composer-reply-snippet">{snippet(reply.text)}</bdi>
            </div>
            <Tip label={t("chat.reply.cancel")}>
              <button
                type="button"
                className="icon-btn"
                onClick={() => {
                  onReplyDone?.();
                  box.current?.focus();
                }}
                aria-label={t("chat.reply.cancel")}
              >
                <CloseIcon />
              </button>
            </Tip>
          </div>
        )}
        {mentioning && (
          <MentionSuggestions
            query={mention.query}
            items={people}
            resetKey={`${mention.start}:${mention.query}`}
            onActive={(member) => (activeMember.current = member)}
            onChoose={chooseMember}
          />
        )}
        {suggesting && (
          <ShortcodeSuggestions
            query={typed.query}
            items={suggestions}
            resetKey={`${typed.start}:${typed.query}`}
            onActive={(shortcode) => (activeShortcode.current = shortcode)}
            onChoose={(i) => choose(i, typed)}
          />
        )}
        <textarea
          ref={field.ref}
          className="composer-input"
          rows={1}
          value={text}
          aria-label={label}
          placeholder={label}
          aria-describedby={describedBy}
          aria-invalid={problem ? true : undefined}
          aria-autocomplete="list"
          aria-controls={field.fieldProps["aria-controls"]}
          aria-activedescendant={field.fieldProps["aria-activedescendant"]}
          onChange={(e) => edit(e.target.value, e.target.selectionStart)}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onFocus={() => setFocused(true)}
          onPaste={(e) => {
            if (e.clipboardData.files.length === 0) return;
            e.preventDefault();
            attach([...e.clipboardData.files]);
          }}
          onKeyDown={onKeyDown}
          data-testid="composer"
        />
        {chat.e2e && (
          <>
            <input
              ref={fileInput}
              type="file"
              multiple
              hidden
              onChange={(e) => {
                attach([...(e.target.files ?? [])]);
                e.target.value = "";
              }}
              data-testid="attach-input"
            />
            <Tip label={t("attach.button")}>
              <button
                type="button"
                className="icon-btn"
                onClick={() => fileInput.current?.click()}
                aria-label={t("attach.button")}
                data-testid="attach-button"
              >
                <PaperclipIcon />
              </button>
            </Tip>
          </>
        )}
        <EmojiButton onPick={pick} />
        <button type="submit" className="composer-send" disabled={!check.ok} aria-label={t("chat.send")}>
          <SendIcon />
        </button>
        <div className="composer-notes">
          <p id="composer-hint" className="composer-hint">
            {t("chat.composerHint")}
          </p>
          <p className="composer-hint composer-format-hint">{t("chat.formatHint")}</p>
          {showCount && (
            <p
              id="composer-count"
              className="composer-count"
              data-over={left < 0 || undefined}
              data-testid="composer-count"
            >
              {left >= 0 ? t("chat.count.left", { count: left }) : t("chat.count.over", { count: -left })}
            </p>
          )}
        </div>
        {/* A live region that exists before its message, so the reason is announced when it appears. */}
        <p id="composer-problem" className="composer-problem" role="status" data-testid="composer-problem">
          {problem}
        </p>
      </form>
    </>
  );
}

const PROBLEM = {
  "too-long": "chat.problem.tooLong",
  characters: "chat.problem.characters",
  bidi: "chat.problem.bidi",
} as const;

function SendIcon() {
  return (
    <svg
      width="20"
      height="20"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d="M4 12 20 4l-6 16-3-7z" />
      <path d="m11 13 9-9" />
    </svg>
  );
}
