/**
 * An attachment's image, large (issue #17): a native <dialog> opened with showModal(), so the page
 * behind is inert and Escape closes it; focus starts on Close and goes back to `returnFocus` once
 * the dialog is gone (named by the caller: a click does not focus a button in every browser, and
 * nothing behind a modal dialog can take focus while it is open). The picture is the object URL the card already decrypted; Download saves the original file.
 */
import { useEffect, useId, useRef, type RefObject } from "react";
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
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    closeRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      returnFocus.current?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className="lightbox"
      aria-labelledby={titleId}
      data-testid="lightbox"
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
      // A click on the backdrop (the dialog itself, outside its content) closes it too.
      onClick={(e) => e.target === e.currentTarget && onClose()}
    >
      <div className="lightbox-bar">
        <h2 id={titleId} className="lightbox-title">
          {name}
        </h2>
        <button type="button" className="btn btn-secondary" onClick={onDownload} data-testid="lightbox-download">
          {t("attach.download")}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          ref={closeRef}
          onClick={onClose}
          data-testid="lightbox-close"
        >
          {t("attach.close")}
        </button>
      </div>
      <img className="lightbox-image" src={src} alt={name} data-testid="lightbox-image" />
    </dialog>
  );
}
