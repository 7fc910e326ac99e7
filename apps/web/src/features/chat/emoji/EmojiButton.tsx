/**
 * The composer's emoji button and its popover. The picker's code and data load on first open.
 * Escape, or a click outside, closes it and gives focus back to the button; a pick closes it too.
 */
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { SmileIcon } from "../../../components/Icons.js";
import { useI18n } from "../../../i18n/I18nProvider.js";

const EmojiPickerPanel = lazy(() => import("./EmojiPickerPanel.js"));

export function EmojiButton({ onPick }: { onPick(emoji: string): void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!panel.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    // On the window, before the picker sees it: its search field keeps Escape for itself.
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      e.stopPropagation();
      close(true);
    };
    document.addEventListener("pointerdown", onPointer);
    window.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      window.removeEventListener("keydown", onKey, true);
    };
  }, [open]);

  return (
    <>
      <button
        ref={button}
        type="button"
        className="composer-emoji icon-btn"
        aria-label={t("emoji.open")}
        aria-expanded={open}
        aria-haspopup="dialog"
        aria-controls={open ? "emoji-picker" : undefined}
        onClick={() => setOpen((o) => !o)}
        data-testid="emoji-button"
      >
        <SmileIcon />
      </button>
      {open && (
        <div
          ref={panel}
          id="emoji-picker"
          className="emoji-popover"
          role="dialog"
          aria-label={t("emoji.picker")}
          data-testid="emoji-picker"
        >
          <Suspense fallback={<p className="emoji-loading">{t("emoji.loading")}</p>}>
            <EmojiPickerPanel
              onPick={(emoji) => {
                setOpen(false);
                onPick(emoji);
              }}
            />
          </Suspense>
        </div>
      )}
    </>
  );
}
