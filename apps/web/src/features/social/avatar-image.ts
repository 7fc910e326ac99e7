/**
 * Making a profile picture on the device (docs/protocol/social.md, "Avatars"): the chosen image's
 * first frame, cropped to a square and drawn at AVATAR_LIMITS.side pixels, encoded as WebP (JPEG
 * where the browser cannot encode WebP), at a lower quality until it fits AVATAR_LIMITS.bytesMax.
 * Re-encoding also leaves the file's metadata (a camera's location, say) behind.
 */
import { AVATAR_LIMITS, AVATAR_MIME_TYPES } from "@sealroom/sdk/browser";

/** `zoom` 1 (the largest centred square) to ZOOM_MAX; `x`, `y` from -1 (left, top) to 1 (right, bottom). */
export interface Crop {
  zoom: number;
  x: number;
  y: number;
}
export const CENTRED: Crop = { zoom: 1, x: 0, y: 0 };
export const ZOOM_MAX = 3;

/** The types the file picker offers: what the server accepts (the web app re-encodes them anyway). */
export const ACCEPTED_TYPES = AVATAR_MIME_TYPES.join(",");

export class AvatarTooLarge extends Error {}

/** The first frame of an image file; throws when the browser cannot decode it. */
export function decodeImage(file: Blob): Promise<ImageBitmap> {
  return createImageBitmap(file);
}

/** Whether the crop can move along each axis at all (a square image cannot, unzoomed). */
export function room(image: { width: number; height: number }, zoom: number): { x: boolean; y: boolean } {
  const side = Math.min(image.width, image.height) / zoom;
  return { x: image.width - side >= 1, y: image.height - side >= 1 };
}

function draw(image: ImageBitmap, crop: Crop, background: string | undefined): HTMLCanvasElement {
  const side = AVATAR_LIMITS.side;
  const canvas = document.createElement("canvas");
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2D canvas");
  if (background) {
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, side, side);
  }
  const source = Math.min(image.width, image.height) / crop.zoom;
  const sx = ((image.width - source) / 2) * (1 + crop.x);
  const sy = ((image.height - source) / 2) * (1 + crop.y);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(image, sx, sy, source, source, 0, 0, side, side);
  return canvas;
}

const toBlob = (canvas: HTMLCanvasElement, type: string, quality: number) =>
  new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, type, quality));

const QUALITIES = [0.86, 0.72, 0.58, 0.44, 0.3];

/** The picture to upload; AvatarTooLarge when even the lowest quality does not fit (a very noisy image). */
export async function renderAvatar(image: ImageBitmap, crop: Crop): Promise<Blob> {
  // JPEG has no transparency: a transparent PNG gets a white background rather than a black one.
  for (const [type, background] of [
    ["image/webp", undefined],
    ["image/jpeg", "#ffffff"],
  ] as const) {
    const canvas = draw(image, crop, background);
    for (const quality of QUALITIES) {
      const blob = await toBlob(canvas, type, quality);
      // A browser that cannot encode the type falls back to PNG: try the next type instead.
      if (!blob || blob.type !== type) break;
      if (blob.size <= AVATAR_LIMITS.bytesMax) return blob;
    }
  }
  throw new AvatarTooLarge();
}
