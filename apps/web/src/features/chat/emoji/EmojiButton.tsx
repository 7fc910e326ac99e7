/**
 * An emoji button and its popover (the composer's, and a message's "react" button). The picker's
 * code and data load on first open. Escape, or a click outside, closes it and gives focus back to
 * the button; a pick closes it too.
 */
import { lazy, Suspense, useEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import { SmileIcon } from "../../../components/Icons.js";
import { useI18n } from "../../../i18n/I18nProvider.js";
import { Tip } from "../../../components/Tip.js";

const EmojiPickerPanel = lazy(() => import("./EmojiPickerPanel.js"));

export interface EmojiButtonProps {
  onPick(emoji: string): void;
  /** The button's name (default: "Emoji") and look. */
  label?: string;
  className?: string;
  testId?: string;
  tabIndex?: number;
  icon?: ReactNode;
  /** The popover's id (one per page at a time). */
  id?: string;
}

export function EmojiButton({
  onPick,
  label,
  className = "composer-emoji icon-btn",
  testId = "emoji-button",
  tabIndex,
  icon,
  id = "emoji-picker",
}: EmojiButtonProps) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  return (
    <>
      <Tip label={label ?? t("emoji.open")}>
        <button
          ref={button}
          type="button"
          className={className}
          aria-label={label ?? t("emoji.open")}
          aria-expanded={open}
          aria-haspopup="dialog"
          aria-controls={open ? id : undefined}
          tabIndex={tabIndex}
          onClick={() => setOpen((o) => !o)}
          data-testid={testId}
        >
          {icon ?? <SmileIcon />}
        </button>
      </Tip>
      {open && (
        <EmojiPopover
          id={id}
          anchor={button}
          onPick={(emoji) => {
            setOpen(false);
            onPick(emoji);
          }}
          onClose={(refocus) => {
            setOpen(false);
            if (refocus) button.current?.focus();
          }}
        />
      )}
    </>
  );
}

/**
 * The picker in a popover: `onClose(true)` on Escape (focus goes back), `onClose(false)` on a
 * pointer down outside it and `anchor` (the control that opened it, which toggles by itself).
 */
export function EmojiPopover({
  id,
  anchor,
  onPick,
  onClose,
}: {
  id: string;
  anchor?: RefObject<HTMLElement | null>;
  onPick(emoji: string): void;
  onClose(refocus: boolean): void;
}) {
  const { t } = useI18n();
  const panel = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const onPointer = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!panel.current?.contains(target) && !anchor?.current?.contains(target)) close.current(false);
    };
    // On the window, before the picker sees it: its search field keeps Escape for itself.
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      e.stopPropagation();
      close.current(true);
    };
    document.addEventListener("pointerdown", onPointer);
    window.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      window.removeEventListener("keydown", onKey, true);
    };
  }, [anchor]);
  return (
    <div
      ref={panel}
      id={id}
      className="emoji-popover"
      role="dialog"
      aria-label={t("emoji.picker")}
      data-testid="emoji-picker"
    >
      <Suspense fallback={<p className="emoji-loading">{t("emoji.loading")}</p>}>
        <EmojiPickerPanel onPick={onPick} />
      </Suspense>
    </div>
  );
}
