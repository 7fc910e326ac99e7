/**
 * Files in the chat (issue #17): uploads from the composer (button, drag and drop, paste) with a
 * progress bar and cancel each, and a file card in the message with its name, size and a download
 * button; an image is decrypted on this device into an object URL and shown inline. The bytes are
 * sealed and opened by the SDK (ChatStore.sendAttachment / downloadAttachment): the server only
 * ever holds ciphertext.
 */
import { useEffect, useRef, useState } from "react";
import type { Attachment } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useChatServices } from "./context.js";

/** Images up to this size are decrypted and shown inline on their own; larger ones on request. */
const PREVIEW_MAX_BYTES = 20 * 1024 * 1024;
/** Types a browser shows in <img> (an SVG never: it could carry script when opened). */
const PREVIEWABLE = /^image\/(png|jpeg|gif|webp|avif|bmp)$/;

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
  cancel(): void;
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

  const start = (files: readonly File[], caption?: string) => {
    for (const [i, file] of files.entries()) {
      const id = ++nextUpload;
      const controller = new AbortController();
      setUploads((list) => [
        ...list,
        { id, name: file.name, done: 0, total: file.size, cancel: () => controller.abort() },
      ]);
      chat
        .sendAttachment(
          conversationId,
          file,
          {
            name: file.name || "file",
            mime: file.type || "application/octet-stream",
            ...(i === 0 && caption ? { caption } : {}),
          },
          { signal: controller.signal, onProgress: (done) => update(id, { done }) },
        )
        .then(
          () => remove(id),
          (err: unknown) => {
            if (controller.signal.aborted) remove(id);
            else update(id, { error: describeError(err) });
          },
        );
    }
  };
  return { uploads, start, dismiss: remove };
}

export function UploadList({ uploads, onDismiss }: { uploads: Upload[]; onDismiss(id: number): void }) {
  const { t, lang } = useI18n();
  if (uploads.length === 0) return null;
  return (
    <ul className="uploads" aria-label={t("attach.uploads")} data-testid="uploads">
      {uploads.map((u) => (
        <li key={u.id} className="upload" data-testid="upload">
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
          <button
            type="button"
            className="btn-link"
            onClick={() => (u.error ? onDismiss(u.id) : u.cancel())}
            data-testid="upload-cancel"
          >
            {u.error ? t("attach.dismiss") : t("attach.cancel")}
          </button>
        </li>
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

/** A file in a message: the image inline when it is one, its name, size and a download button. */
export function AttachmentCard({ attachment }: { attachment: Attachment }) {
  const { t, lang, describeError } = useI18n();
  const { chat } = useChatServices();
  const [preview, setPreview] = useState<string>();
  const [progress, setProgress] = useState<number>();
  const [error, setError] = useState<string>();
  const bytes = useRef<Uint8Array | undefined>(undefined);
  const image = PREVIEWABLE.test(attachment.mime);

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
    if (!image || attachment.size > PREVIEW_MAX_BYTES) return;
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

  return (
    <div className="attachment" data-testid="attachment">
      {preview && (
        <img className="attachment-preview" src={preview} alt={attachment.name} data-testid="attachment-preview" />
      )}
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
    </div>
  );
}
