/**
 * Thumbnails made on this device (issue #17, docs/E2E.md section 11): a small WebP (JPEG where the
 * browser cannot encode WebP) of an image, or of a video's first frame, drawn on a canvas and sent
 * INSIDE the encrypted attachment content, so the other side shows the picture at once. The limits
 * are @sealroom/e2e's THUMBNAIL_LIMITS (restated here: that package is loaded only with the
 * engine); the receiver checks them again. Anything that fails (no canvas, a format the browser
 * cannot decode, too slow) gives no thumbnail: the file is sent all the same.
 */
import type { AttachmentThumb } from "@sealroom/sdk/browser";

const MAX_SIDE = 320;
const MAX_BYTES = 12 * 1024;
/** A frame that takes longer than this to decode is not worth delaying the upload for. */
const TIMEOUT_MS = 4000;
const QUALITIES = [0.7, 0.5, 0.35, 0.2];

export const THUMBNAILABLE = /^(image\/(png|jpeg|gif|webp|avif|bmp)|video\/(mp4|webm))$/;

function withTimeout<T>(p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("thumbnail timeout")), TIMEOUT_MS)),
  ]);
}

/** The first frame of a video, via a <video> element that is never attached to the page. */
async function videoFrame(file: File): Promise<{ source: CanvasImageSource; width: number; height: number }> {
  const url = URL.createObjectURL(file);
  const video = document.createElement("video");
  video.muted = true;
  video.preload = "auto";
  video.src = url;
  try {
    await new Promise<void>((resolve, reject) => {
      video.onloadeddata = () => resolve();
      video.onerror = () => reject(new Error("video not decodable"));
    });
    return { source: video, width: video.videoWidth, height: video.videoHeight };
  } finally {
    // The frame is drawn before the caller awaits anything else; the URL is not needed past that.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}

async function frameOf(file: File): Promise<{ source: CanvasImageSource; width: number; height: number }> {
  if (file.type.startsWith("video/")) return videoFrame(file);
  const bitmap = await createImageBitmap(file);
  return { source: bitmap, width: bitmap.width, height: bitmap.height };
}

function toBlob(canvas: HTMLCanvasElement, type: string, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A thumbnail of `file`, or undefined when it is not an image or video this browser can draw. */
export async function makeThumbnail(file: File): Promise<AttachmentThumb | undefined> {
  if (!THUMBNAILABLE.test(file.type) || typeof document === "undefined") return undefined;
  try {
    const frame = await withTimeout(frameOf(file));
    if (frame.width < 1 || frame.height < 1) return undefined;
    const scale = Math.min(1, MAX_SIDE / Math.max(frame.width, frame.height));
    const width = Math.max(1, Math.round(frame.width * scale));
    const height = Math.max(1, Math.round(frame.height * scale));
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    if (!ctx) return undefined;
    ctx.drawImage(frame.source, 0, 0, width, height);
    if ("close" in frame.source) frame.source.close();
    for (const mime of ["image/webp", "image/jpeg"] as const) {
      for (const quality of QUALITIES) {
        const blob = await toBlob(canvas, mime, quality);
        // A browser without the encoder hands back PNG: try the next type.
        if (!blob || blob.type !== mime) break;
        if (blob.size > MAX_BYTES) continue;
        return { mime, width, height, data: base64url(new Uint8Array(await blob.arrayBuffer())) };
      }
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** A thumbnail as an <img> source (data: images are allowed by the app's CSP). */
export function thumbnailSrc(thumb: AttachmentThumb): string {
  const b64 = thumb.data.replace(/-/g, "+").replace(/_/g, "/");
  return `data:${thumb.mime};base64,${b64}${"=".repeat((4 - (b64.length % 4)) % 4)}`;
}
