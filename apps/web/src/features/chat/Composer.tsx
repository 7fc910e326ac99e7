/**
 * The message box: Enter sends, Shift+Enter starts a new line, and Enter while an input method is
 * composing (pinyin, kana) confirms the composition instead of sending. The draft is kept per
 * conversation. Sending never waits for the network: the message joins the outbox at once and is
 * shown as "sending" until the server has it, across reconnects.
 */
import { useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { checkMessageText } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useChatServices } from "./context.js";

export function Composer({ conversationId, name, autoFocus }: { conversationId: string; name: string; autoFocus?: boolean }) {
  const { t } = useI18n();
  const { chat, drafts } = useChatServices();
  const [text, setText] = useState(() => drafts.get(conversationId));
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (autoFocus) box.current?.focus();
  }, [autoFocus]);

  // Grow with the text up to a few lines, then scroll inside.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 180)}px`;
  }, [text]);

  const change = (value: string) => {
    setText(value);
    drafts.set(conversationId, value);
    if (value.trim() !== "") chat.typing(conversationId);
  };

  const send = () => {
    if (!checkMessageText(text).ok) return;
    // A refusal is not lost: the outbox keeps the message as failed, shown with retry/discard.
    chat.send(conversationId, text).catch(() => undefined);
    change("");
    box.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== "Enter" || e.shiftKey || e.nativeEvent.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    send();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    send();
  };

  const label = t("chat.composer", { name });
  return (
    <form className="composer" onSubmit={onSubmit}>
      <textarea
        ref={box}
        className="composer-input"
        rows={1}
        value={text}
        aria-label={label}
        placeholder={label}
        aria-describedby="composer-hint"
        onChange={(e) => change(e.target.value)}
        onKeyDown={onKeyDown}
        data-testid="composer"
      />
      <button type="submit" className="composer-send" disabled={!checkMessageText(text).ok} aria-label={t("chat.send")}>
        <SendIcon />
      </button>
      <p id="composer-hint" className="composer-hint">
        {t("chat.composerHint")}
      </p>
    </form>
  );
}

function SendIcon() {
  return (
    <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M4 12 20 4l-6 16-3-7z" />
      <path d="m11 13 9-9" />
    </svg>
  );
}
