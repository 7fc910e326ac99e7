/**
 * Attachments in real browsers against the real stack, end-to-end encrypted: one user attaches an
 * image and a text file at once (the composer's file picker); the other sees the image decrypted
 * on the device and shown inline, and both files' cards; each download is byte for byte what was
 * sent. Screenshots of the conversation with the preview and the file card on both sides.
 *
 * Then the thumbnail made on the sender's device: it travels inside the encrypted message, and the
 * receiver renders it (at its size) before the image is downloaded and decrypted; the image opens
 * in a lightbox that Escape closes, focus back on the image. Screenshots of the lightbox in both
 * languages, light and dark, desktop and phone. (Inline video and Retry are covered by the
 * component tests: a video file is not generated here, and an upload is not made to fail for real.)
 */
import { readFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ReviewStack, openConversation, shot, timeline } from "./support/review.js";
import { shootVariants } from "./support/variants.js";

const env = new ReviewStack();

beforeAll(() => env.start());
afterAll(() => env.stop());

/** A `w` x `h` RGB PNG with a diagonal gradient (a real image the browser decodes). */
function png(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows: number[] = [];
  for (let y = 0; y < h; y++) {
    rows.push(0);
    for (let x = 0; x < w; x++) rows.push((x * 255) / w, (y * 255) / h, 160);
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.from(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const card = (page: Page, name: string) =>
  timeline(page)
    .getByTestId("attachment")
    .filter({ has: page.getByTestId("attachment-name").filter({ hasText: name }) });

async function downloaded(page: Page, name: string): Promise<Buffer> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    card(page, name).getByTestId("attachment-download").click(),
  ]);
  expect(download.suggestedFilename()).toBe(name);
  return readFileSync((await download.path())!);
}

test("an image and a file sent together: the other side previews the image and downloads the same bytes", async () => {
  const { me, peer, dm } = await env.friends("att_a", "att_b");
  const ann = await env.browserAs(me);
  const ben = await env.browserAs(peer);
  await openConversation(ann, dm);
  await openConversation(ben, dm);
  const image = png(240, 160);
  // Larger than one 32 KiB chunk, so the file travels as several sealed chunks.
  const notes = Buffer.from("Meeting notes: bring the slides.\n".repeat(3000));

  await env.browsers.withFailureShots("attachments", shot, async () => {
    await ann.getByTestId("attach-button").waitFor();
    await ann.getByTestId("attach-input").setInputFiles([
      { name: "sunset.png", mimeType: "image/png", buffer: image },
      { name: "notes.txt", mimeType: "text/plain", buffer: notes },
    ]);
    for (const page of [ann, ben]) {
      await card(page, "sunset.png").waitFor({ timeout: 30_000 });
      await card(page, "notes.txt").waitFor({ timeout: 30_000 });
    }
    // The uploads' progress rows go once both are sent.
    await expect.poll(() => ann.getByTestId("upload").count(), { timeout: 30_000 }).toBe(0);
    // The image, decrypted on Ben's device into an object URL, is decoded and shown.
    const preview = card(ben, "sunset.png").getByTestId("attachment-preview");
    await preview.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => preview.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 10_000 })
      .toBe(240);
    expect(await preview.getAttribute("src")).toMatch(/^blob:/);
    expect(Buffer.compare(await downloaded(ben, "notes.txt"), notes)).toBe(0);
    expect(Buffer.compare(await downloaded(ben, "sunset.png"), image)).toBe(0);
    await card(ann, "sunset.png").getByTestId("attachment-preview").waitFor({ timeout: 30_000 });
    // The conversation list names the last file.
    await expect
      .poll(() => ben.locator("a.conv").first().textContent(), { timeout: 10_000 })
      .toMatch(/📎 (notes\.txt|sunset\.png)/);
    await shot(ben, "attachments-receiver");
    await shot(ann, "attachments-sender");
  });
  expect(env.browsers.pageErrors).toEqual([]);
}, 180_000);

test("the thumbnail made on the sender's device shows first, then the image; the lightbox opens and Escape returns focus", async () => {
  const { me, peer, dm } = await env.friends("att_c", "att_d");
  const ann = await env.browserAs(me);
  const ben = await env.browserAs(peer);
  await openConversation(ann, dm);
  await openConversation(ben, dm);
  // What Ben's timeline renders, in order: the thumbnail must come before the decrypted image.
  await ben.evaluate(() => {
    const seen: { id: string; src: string; width: string | null; height: string | null }[] = [];
    (window as unknown as { seenMedia: typeof seen }).seenMedia = seen;
    new MutationObserver(() => {
      for (const img of Array.from(document.querySelectorAll<HTMLImageElement>(".attachment img"))) {
        const id = img.dataset.testid ?? "";
        if (!seen.some((s) => s.id === id))
          seen.push({ id, src: img.src, width: img.getAttribute("width"), height: img.getAttribute("height") });
      }
    }).observe(document.body, { childList: true, subtree: true, attributes: true });
  });

  await env.browsers.withFailureShots("attachments-lightbox", shot, async () => {
    await ann
      .getByTestId("attach-input")
      .setInputFiles([{ name: "dunes.png", mimeType: "image/png", buffer: png(480, 300) }]);
    const preview = card(ben, "dunes.png").getByTestId("attachment-preview");
    await preview.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => preview.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 10_000 })
      .toBe(480);
    const seen = await ben.evaluate(
      () =>
        (window as unknown as { seenMedia: { id: string; src: string; width: string | null; height: string | null }[] })
          .seenMedia,
    );
    expect(seen.map((s) => s.id)).toEqual(["attachment-thumb", "attachment-preview"]);
    // Chromium encodes WebP: 480 x 300 scaled to fit 320 px, and the image keeps the thumbnail's size.
    expect(seen[0]).toMatchObject({ width: "320", height: "200" });
    expect(seen[0]!.src).toMatch(/^data:image\/webp;base64,/);
    expect(seen[1]).toMatchObject({ width: "320", height: "200" });

    const open = card(ben, "dunes.png").getByTestId("attachment-open");
    const lightbox = ben.getByTestId("lightbox");
    await open.focus();
    await ben.keyboard.press("Enter");
    await lightbox.waitFor();
    expect(await ben.getByTestId("lightbox-image").getAttribute("alt")).toBe("dunes.png");
    await expect
      .poll(() => ben.getByTestId("lightbox-image").evaluate((img) => (img as HTMLImageElement).naturalWidth))
      .toBe(480);
    await ben.keyboard.press("Escape");
    await lightbox.waitFor({ state: "detached" });
    // Radix gives focus back a tick after the dialog is gone.
    await expect
      .poll(() => ben.evaluate(() => document.activeElement?.getAttribute("data-testid")))
      .toBe("attachment-open");

    await shootVariants(ben, "attachments-lightbox", async () => {
      await openConversation(ben, dm);
      await card(ben, "dunes.png").getByTestId("attachment-open").click({ timeout: 30_000 });
      await lightbox.waitFor();
    });
  });
  expect(env.browsers.pageErrors).toEqual([]);
}, 180_000);
