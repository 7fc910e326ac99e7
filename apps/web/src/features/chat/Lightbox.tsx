/**
 * An attachment's image, large (issue #17), in a modal (components/Modal.tsx, Radix Dialog): the
 * page behind is inert, Escape or a click outside closes it; focus starts on Close and goes back to
 * `returnFocus` (named by the caller: a click does not focus a button in every browser). The
 * picture is the object URL the card already decrypted; Download saves the original file.
 */
import { type RefObject } from "react";
import { Modal, ModalTitle } from "../../components/Modal.js";
import { useI18n } from "../../i18n/I18nProvider.js";

export function Lightbox({
  src,
  name,
  onDownload,
  onClose,
  returnFocus,
}: {
  src: string;
  name: string;
  returnFocus: RefObject<HTMLElement | null>;
  onDownload(): void;
  onClose(): void;
}) {
  const { t } = useI18n();
  return (
    <Modal
      open
      onClose={onClose}
      className="lightbox"
      testId="lightbox"
      returnFocus={returnFocus}
      initialFocus={(content) => content.querySelector<HTMLElement>("[data-testid=lightbox-close]")}
    >
      <div className="lightbox-bar">
        <ModalTitle className="lightbox-title">{name}</ModalTitle>
        <button type="button" className="btn btn-secondary" onClick={onDownload} data-testid="lightbox-download">
          {t("attach.download")}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onClose} data-testid="lightbox-close">
          {t("attach.close")}
        </button>
      </div>
      <img className="lightbox-image" src={src} alt={name} data-testid="lightbox-image" />
    </Modal>
  );
}
