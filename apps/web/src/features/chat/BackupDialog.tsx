/**
 * The history backup's dialogs' frame, as ConfirmDialog and Lightbox do it: a native <dialog>
 * opened with showModal(), so the page behind is inert and Escape closes it (React state decides
 * when). Focus goes to the element marked data-autofocus (or the first button) when the dialog
 * opens and again when `step` changes (the button that had it may be gone), and back to whatever
 * opened the dialog once it closes (the main area when that is gone too).
 */
import { useEffect, useId, useRef, type ReactNode } from "react";

export function BackupDialog({
  title,
  step,
  alert = false,
  onClose,
  children,
  describedBy,
  testId,
}: {
  title: string;
  /** The id of the text that says the current state (a live region inside). */
  describedBy?: string;
  /** The state shown: focus moves into the new content when it changes. */
  step: string;
  /** alertdialog: it asks for an answer the user did not start (an approval from another device). */
  alert?: boolean;
  onClose(): void;
  children: ReactNode;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    return () => {
      if (dialog.open) dialog.close();
      else dialog.removeAttribute("open");
      const back = opener.current?.isConnected ? opener.current : document.getElementById("main");
      back?.focus();
    };
  }, []);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const target =
      dialog.querySelector<HTMLElement>("[data-autofocus]") ?? dialog.querySelector<HTMLElement>("button, input");
    target?.focus();
  }, [step]);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog backup-dialog"
      role={alert ? "alertdialog" : undefined}
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      aria-modal="true"
      data-testid={testId}
      data-step={step}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <div className="confirm-form">
        <h2 id={titleId} className="confirm-title">
          {title}
        </h2>
        {children}
      </div>
    </dialog>
  );
}

/** The approval code, large: read digit by digit, never translated. */
export function ApprovalCodeView({ code, label, focus = false }: { code: string; label: string; focus?: boolean }) {
  return (
    <p
      className="backup-code"
      translate="no"
      role="img"
      aria-label={label}
      data-testid="backup-code"
      // Focus on the code, not on a button a stray Enter would press, where the user must compare first.
      tabIndex={focus ? -1 : undefined}
      data-autofocus={focus || undefined}
    >
      {code}
    </p>
  );
}
