/**
 * Files in the chat (issue #17): uploads from the composer (button, drag and drop, paste) with a
 * progress bar and cancel each, Retry and Remove when one fails for a reason that may pass; a file
 * card in the message with its name, size and a download button. An image or video is decrypted on
 * this device into an object URL and shown inline (an image opens large in a lightbox); until then
 * the thumbnail the sender's device made (inside the encrypted message) holds its place at its
 * size. The bytes are sealed and opened by the SDK (ChatStore.sendAttachment / downloadAttachment):
 * the server only ever holds ciphertext.
 */
import { useEffect, useRef, useState } from "react";
import { AppError } from "@sealroom/proto/errors";
import { TransferCancelled, type Attachment } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useChatServices } from "./context.js";
import { Lightbox } from "./Lightbox.js";
import { makeThumbnail, thumbnailSrc } from "./thumbnail.js";

/** Images and videos up to this size are decrypted and shown inline on their own; larger ones on request. */
const PREVIEW_MAX_BYTES = 20 * 1024 * 1024;
/** Types a browser shows in <img> (an SVG never: it could carry script when opened). */
const PREVIEWABLE = /^image\/(png|jpeg|gif|webp|avif|bmp)$/;
/** Types shown in <video controls>. */
const PLAYABLE = /^video\/(mp4|webm)$/;

export function formatBytes(n: number, lang: string): string {
  const units = ["B", "KB", "MB", "GB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toLocaleString(lang, { maximumFractionDigits: u === 0 ? 0 : 1 })} ${units[u]}`;
}

export interface Upload {
  id: number;
  name: string;
  done: number;
  total: number;
  error?: string;
  /** Present on a failed upload that may succeed if sent again (the connection, a timeout). */
  retry?: () => void;
  cancel(): void;
}

/**
 * Whether a failed upload is worth trying again: a refusal that will not change (too large, over
 * quota, not allowed) is not; the connection, a timeout or an unfinished upload may pass.
 */
export function retryableUpload(err: unknown): boolean {
  if (err instanceof TransferCancelled) return false;
  if (err instanceof AppError) return err.retryable || err.code === "BLOB_INCOMPLETE";
  return true;
}

let nextUpload = 0;

/** The uploads of one conversation's composer, and how to start them. */
export function useUploads(conversationId: string) {
  const { chat } = useChatServices();
  const { describeError } = useI18n();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const update = (id: number, patch: Partial<Upload>) =>
    setUploads((list) => list.map((u) => (u.id === id ? { ...u, ...patch } : u)));
  const remove = (id: number) => setUploads((list) => list.filter((u) => u.id !== id));

  /** Sends `file` for the row `id`; a retry runs it again from the start (the failed blob was deleted). */
  const send = (id: number, file: File, caption: string | undefined, thumb: ReturnType<typeof makeThumbnail>) => {
    const controller = new AbortController();
    update(id, { done: 0, error: undefined, retry: undefined, cancel: () => controller.abort() });
    void thumb
      .then((t) =>
        chat.sendAttachment(
          conversationId,
          file,
          {
            name: file.name || "file",
            mime: file.type || "application/octet-stream",
            ...(caption ? { caption } : {}),
            ...(t ? { thumb: t } : {}),
          },
          { signal: controller.signal, onProgress: (done) => update(id, { done }) },
        ),
      )
      .then(
        () => remove(id),
        (err: unknown) => {
          if (controller.signal.aborted) remove(id);
          else
            update(id, {
              error: describeError(err),
              retry: retryableUpload(err) ? () => send(id, file, caption, thumb) : undefined,
            });
        },
      );
  };

  const start = (files: readonly File[], caption?: string) => {
    for (const [i, file] of files.entries()) {
      const id = ++nextUpload;
      setUploads((list) => [...list, { id, name: file.name, done: 0, total: file.size, cancel: () => undefined }]);
      // Made once, kept for a retry; made before the upload so it travels in the message.
      send(id, file, i === 0 ? caption : undefined, makeThumbnail(file));
    }
  };
  return { uploads, start, dismiss: remove };
}

function UploadRow({ upload: u, onDismiss }: { upload: Upload; onDismiss(id: number): void }) {
  const { t, lang } = useI18n();
  const cancelRef = useRef<HTMLButtonElement>(null);
  return (
    <li className="upload" data-testid="upload">
      <span className="upload-name">{u.name}</span>
      {u.error ? (
        <span className="upload-error" role="alert">
          {u.error}
        </span>
      ) : (
        <progress
          value={u.done}
          max={Math.max(1, u.total)}
          aria-label={t("attach.progress", { name: u.name })}
          title={`${formatBytes(u.done, lang)} / ${formatBytes(u.total, lang)}`}
        />
      )}
      {u.retry && (
        <button
          type="button"
          className="btn-link"
          aria-label={t("attach.retryName", { name: u.name })}
          onClick={() => {
            u.retry?.();
            // The row stays, now with Cancel: focus goes there rather than to the page.
            cancelRef.current?.focus();
          }}
          data-testid="upload-retry"
        >
          {t("attach.retry")}
        </button>
      )}
      <button
        type="button"
        className="btn-link"
        ref={cancelRef}
        aria-label={t(u.error ? "attach.removeName" : "attach.cancelName", { name: u.name })}
        onClick={() => (u.error ? onDismiss(u.id) : u.cancel())}
        data-testid="upload-cancel"
      >
        {u.error ? t("attach.remove") : t("attach.cancel")}
      </button>
    </li>
  );
}

export function UploadList({ uploads, onDismiss }: { uploads: Upload[]; onDismiss(id: number): void }) {
  const { t } = useI18n();
  if (uploads.length === 0) return null;
  return (
    <ul className="uploads" aria-label={t("attach.uploads")} data-testid="uploads">
      {uploads.map((u) => (
        <UploadRow key={u.id} upload={u} onDismiss={onDismiss} />
      ))}
    </ul>
  );
}

/** Hands the browser a download of `bytes` under `name`. */
function saveAs(bytes: Uint8Array, name: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: mime }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A file in a message: the image or video inline when it is one (its thumbnail first), its name, size and a download button. */
export function AttachmentCard({ attachment }: { attachment: Attachment }) {
  const { t, lang, describeError } = useI18n();
  const { chat } = useChatServices();
  const [preview, setPreview] = useState<string>();
  const [progress, setProgress] = useState<number>();
  const [error, setError] = useState<string>();
  const [zoomed, setZoomed] = useState(false);
  const bytes = useRef<Uint8Array | undefined>(undefined);
  const opener = useRef<HTMLButtonElement>(null);
  const kind = PREVIEWABLE.test(attachment.mime) ? "image" : PLAYABLE.test(attachment.mime) ? "video" : "file";
  const { thumb } = attachment;
  // The thumbnail's size reserves the picture's place, so the timeline does not jump when it arrives.
  const size = thumb ? { width: thumb.width, height: thumb.height } : {};

  const fetchBytes = async (): Promise<Uint8Array> => {
    if (bytes.current) return bytes.current;
    setError(undefined);
    setProgress(0);
    try {
      const got = await chat.downloadAttachment(attachment, { onProgress: (done) => setProgress(done) });
      bytes.current = got;
      return got;
    } finally {
      setProgress(undefined);
    }
  };

  useEffect(() => {
    if (kind === "file" || attachment.size > PREVIEW_MAX_BYTES) return;
    let url: string | undefined;
    let gone = false;
    fetchBytes().then(
      (got) => {
        if (gone) return;
        url = URL.createObjectURL(new Blob([new Uint8Array(got)], { type: attachment.mime }));
        setPreview(url);
      },
      (err: unknown) => !gone && setError(describeError(err)),
    );
    return () => {
      gone = true;
      if (url) URL.revokeObjectURL(url);
    };
    // The attachment of a message never changes; its blob id names it.
  }, [attachment.blobId]);

  const download = () =>
    fetchBytes().then(
      (got) => saveAs(got, attachment.name, attachment.mime),
      (err: unknown) => setError(describeError(err)),
    );

  let media = null;
  if (kind === "image" && preview) {
    media = (
      <button
        type="button"
        ref={opener}
        className="attachment-open"
        onClick={() => setZoomed(true)}
        aria-label={t("attach.open", { name: attachment.name })}
        aria-haspopup="dialog"
        data-testid="attachment-open"
      >
        <img
          className="attachment-preview"
          src={preview}
          alt={attachment.name}
          {...size}
          data-testid="attachment-preview"
        />
      </button>
    );
  } else if (kind === "video" && preview) {
    media = (
      <video
        className="attachment-preview"
        src={preview}
        controls
        preload="metadata"
        aria-label={attachment.name}
        {...size}
        {...(thumb ? { poster: thumbnailSrc(thumb) } : {})}
        data-testid="attachment-video"
      />
    );
  } else if (thumb) {
    media = (
      <img
        className="attachment-preview attachment-thumb"
        src={thumbnailSrc(thumb)}
        alt={attachment.name}
        {...size}
        data-testid="attachment-thumb"
      />
    );
  }

  return (
    <div className="attachment" data-testid="attachment">
      {media}
      <div className="attachment-row">
        <span className="attachment-name" data-testid="attachment-name">
          {attachment.name}
        </span>
        <span className="attachment-size">{formatBytes(attachment.size, lang)}</span>
        <button
          type="button"
          className="btn-link"
          onClick={() => void download()}
          disabled={progress !== undefined}
          data-testid="attachment-download"
        >
          {progress !== undefined
            ? t("attach.downloading", { percent: Math.floor((progress * 100) / Math.max(1, attachment.size)) })
            : t("attach.download")}
        </button>
      </div>
      {error && (
        <p className="attachment-error" role="alert">
          {error}
        </p>
      )}
      {zoomed && preview && (
        <Lightbox
          src={preview}
          name={attachment.name}
          onDownload={() => void download()}
          onClose={() => setZoomed(false)}
          returnFocus={opener}
        />
      )}
    </div>
  );
}
