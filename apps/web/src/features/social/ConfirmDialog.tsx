/**
 * A modal question before a destructive action: a native <dialog> opened with showModal(), so the
 * page behind is inert (focus stays inside) and Escape cancels. Focus starts on the safe choice and
 * returns to whatever opened the dialog.
 */
import { useEffect, useId, useRef, type ReactNode } from "react";
import { useI18n } from "../../i18n/I18nProvider.js";

export interface ConfirmRequest {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  /** Red confirm button (removal, disbanding). */
  danger?: boolean;
  onConfirm(): void;
  /** The safe choice's label ("Cancel" unless given) and what it does besides closing. */
  cancelLabel?: string;
  onCancel?(): void;
}

export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | undefined; onClose(): void }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog || !request) return;
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    cancelRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      else dialog.removeAttribute("open");
      // The opener may be gone (its row was removed by the action): then the main area takes focus.
      const back = opener.current?.isConnected ? opener.current : document.getElementById("main");
      back?.focus();
    };
  }, [request]);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(e) => {
        e.preventDefault(); // React state decides when it closes
        onClose();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onClose();
        }
      }}
    >
      {request && (
        <form
          method="dialog"
          className="confirm-form"
          onSubmit={(e) => {
            e.preventDefault();
            request.onConfirm();
            onClose();
          }}
        >
          <h2 id={titleId} className="confirm-title">
            {request.title}
          </h2>
          <div id={bodyId} className="confirm-body">
            {request.body}
          </div>
          <div className="confirm-actions">
            <button
              type="button"
              className="btn btn-secondary"
              ref={cancelRef}
              onClick={() => {
                onClose();
                request.onCancel?.();
              }}
            >
              {request.cancelLabel ?? t("social.cancel")}
            </button>
            <button type="submit" className={`btn ${request.danger ? "btn-danger" : "btn-primary"}`}>
              {request.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
