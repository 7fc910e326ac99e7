/** The parts of a message: the in-place editor, the delete confirmation, icons (its menu: MessageMenu.tsx). */
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { checkMessageText } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";

export function EditBox({
  initial,
  busy,
  onSave,
  onCancel,
}: {
  initial: string;
  busy: boolean;
  onSave(text: string): void;
  onCancel(): void;
}) {
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
      <textarea
        ref={box}
        className="msg-edit-input"
        value={text}
        aria-label={t("chat.editLabel")}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        rows={Math.min(6, text.split("\n").length)}
      />
      <div className="msg-edit-actions">
        <span className="msg-edit-hint">{t("chat.editHint")}</span>
        <button type="button" className="btn btn-ghost btn-small" onClick={onCancel}>
          {t("chat.cancel")}
        </button>
        <button
          type="button"
          className="btn btn-primary btn-small"
          disabled={!valid || busy}
          onClick={() => onSave(text)}
        >
          {t("chat.save")}
        </button>
      </div>
    </div>
  );
}

export function ConfirmDelete({ busy, onConfirm, onCancel }: { busy: boolean; onConfirm(): void; onCancel(): void }) {
  const { t } = useI18n();
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div
      className="msg-confirm"
      role="group"
      aria-label={t("chat.deleteConfirm")}
      onKeyDown={(e) => e.key === "Escape" && onCancel()}
    >
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

const icon = {
  width: 16,
  height: 16,
  viewBox: "0 0 24 24",
  fill: "none",
  stroke: "currentColor",
  strokeWidth: 2,
  strokeLinecap: "round" as const,
  strokeLinejoin: "round" as const,
  "aria-hidden": true,
  focusable: false,
};

export function PencilIcon() {
  return (
    <svg {...icon}>
      <path d="M4 20h4L19 9l-4-4L4 16z" />
      <path d="m13.5 6.5 4 4" />
    </svg>
  );
}

export function ReplyIcon() {
  return (
    <svg {...icon}>
      <path d="M9 14 4 9l5-5" />
      <path d="M4 9h10a6 6 0 0 1 6 6v5" />
    </svg>
  );
}

export function TrashIcon() {
  return (
    <svg {...icon}>
      <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />
    </svg>
  );
}

export function ClockIcon() {
  return (
    <svg {...icon} width={12} height={12}>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7v5l3 2" />
    </svg>
  );
}

export function CopyIcon() {
  return (
    <svg {...icon}>
      <rect x="8" y="8" width="12" height="12" rx="2" />
      <path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3" />
    </svg>
  );
}

export function LinkIcon() {
  return (
    <svg {...icon}>
      <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1" />
      <path d="M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />
    </svg>
  );
}

export function ForwardIcon() {
  return (
    <svg {...icon}>
      <path d="m15 14 5-5-5-5" />
      <path d="M20 9H10a6 6 0 0 0-6 6v5" />
    </svg>
  );
}

/**
 * "Forwarded" over a message's content: its words are the label (part of the message's
 * description for a screen reader), the arrow only decoration.
 */
export function ForwardedMark() {
  const { t } = useI18n();
  return (
    <span className="msg-forwarded" data-testid="message-forwarded">
      <ForwardIcon />
      {t("chat.forwardedMark")}
    </span>
  );
}

export function MoreIcon() {
  return (
    <svg {...icon} fill="currentColor" stroke="none">
      <circle cx="5" cy="12" r="1.8" />
      <circle cx="12" cy="12" r="1.8" />
      <circle cx="19" cy="12" r="1.8" />
    </svg>
  );
}
