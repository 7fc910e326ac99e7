/**
 * A modal dialog on Radix Dialog: the page behind is inert (pointer, keyboard and screen reader),
 * focus is trapped inside, Escape closes it (React state decides, through `onClose`), and focus
 * returns to what opened it, or to the main area when that is gone (the row it was on was removed
 * by the action). `ModalTitle` names it and must be inside.
 */
import * as Dialog from "@radix-ui/react-dialog";
import { useRef, type ReactNode, type RefObject } from "react";

export const ModalTitle = Dialog.Title;

export function Modal({
  open,
  onClose,
  className,
  alert = false,
  describedBy,
  initialFocus,
  returnFocus,
  testId,
  step,
  children,
}: {
  open: boolean;
  onClose(): void;
  className?: string;
  /**
   * An alertdialog: it asks for an answer the user did not start (an approval from another
   * device). A click outside does not close it; Escape still does.
   */
  alert?: boolean;
  /** The id of the text that describes it (none: nothing is announced besides the title). */
  describedBy?: string;
  /** The element to focus when it opens (else Radix's: the first focusable inside). */
  initialFocus?(content: HTMLElement): HTMLElement | null | undefined;
  /**
   * Where focus goes back to, when the caller knows better than "what had focus" (a click does not
   * focus a button in every browser).
   */
  returnFocus?: RefObject<HTMLElement | null>;
  testId?: string;
  /** The state shown, for tests (data-step). */
  step?: string;
  children: ReactNode;
}) {
  const opener = useRef<HTMLElement | null>(null);
  return (
    <Dialog.Root open={open} onOpenChange={(isOpen) => isOpen || onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="modal-overlay" />
        <Dialog.Content
          className={`modal ${className ?? ""}`}
          role={alert ? "alertdialog" : "dialog"}
          // Radix leaves it out; the quick switcher's shortcut looks for it to stay behind a modal.
          aria-modal="true"
          aria-describedby={describedBy}
          data-testid={testId}
          data-step={step}
          onOpenAutoFocus={(e) => {
            // Radix moves focus after this handler: what has it now opened the dialog.
            opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
            const target = initialFocus?.(e.currentTarget as HTMLElement);
            if (target) {
              e.preventDefault();
              target.focus();
            }
          }}
          onCloseAutoFocus={(e) => {
            e.preventDefault();
            const wanted = returnFocus?.current ?? opener.current;
            const back = wanted?.isConnected ? wanted : document.getElementById("main");
            back?.focus();
          }}
          onPointerDownOutside={(e) => {
            if (alert) e.preventDefault();
          }}
        >
          {children}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
