/**
 * The history backup's dialogs' frame (components/Modal.tsx, Radix Dialog): the page behind is
 * inert and Escape closes it (React state decides when). Focus goes to the element marked
 * data-autofocus (or the first button or field) when the dialog opens and again when `step`
 * changes (the button that had it may be gone), and back to whatever opened the dialog once it
 * closes (the main area when that is gone too).
 */
import { useEffect, useRef, type ReactNode } from "react";
import { Modal, ModalTitle } from "../../components/Modal.js";

const firstFocus = (root: HTMLElement) =>
  root.querySelector<HTMLElement>("[data-autofocus]") ?? root.querySelector<HTMLElement>("button, input");

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
  const form = useRef<HTMLDivElement>(null);
  const shown = useRef<string | undefined>(undefined);

  useEffect(() => {
    // The first step's focus is the dialog's opening focus (Modal's initialFocus).
    if (shown.current !== undefined && form.current) firstFocus(form.current)?.focus();
    shown.current = step;
  }, [step]);

  return (
    <Modal
      open
      onClose={onClose}
      className="confirm-dialog backup-dialog"
      alert={alert}
      describedBy={describedBy}
      initialFocus={firstFocus}
      testId={testId}
      step={step}
    >
      <div className="confirm-form" ref={form}>
        <ModalTitle className="confirm-title">{title}</ModalTitle>
        {children}
      </div>
    </Modal>
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
