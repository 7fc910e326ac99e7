/**
 * A modal question before a destructive action (components/Modal.tsx, Radix Dialog): the page
 * behind is inert and Escape or a click outside cancels. Focus starts on the safe choice and
 * returns to whatever opened the dialog.
 */
import { useId, type ReactNode } from "react";
import { Modal, ModalTitle } from "../../components/Modal.js";
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
  const bodyId = useId();
  return (
    <Modal
      open={request !== undefined}
      onClose={onClose}
      className="confirm-dialog"
      describedBy={bodyId}
      initialFocus={(content) => content.querySelector<HTMLElement>("[data-safe-choice]")}
    >
      {request && (
        <form
          className="confirm-form"
          onSubmit={(e) => {
            e.preventDefault();
            request.onConfirm();
            onClose();
          }}
        >
          <ModalTitle className="confirm-title">{request.title}</ModalTitle>
          <div id={bodyId} className="confirm-body">
            {request.body}
          </div>
          <div className="confirm-actions">
            <button
              type="button"
              className="btn btn-secondary"
              data-safe-choice
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
    </Modal>
  );
}
