/**
 * The composer's attachments over the SDK's real ChatStore and end-to-end engine, at the client
 * boundary: a file over the server's limit is refused at chat.blob.start, before any chunk is sent,
 * and the reason shows in the upload row until removed (no Retry: it would fail again); a file goes
 * up chunk by chunk, sealed and padded (never the plaintext), and a refusal at the end shows too and
 * deletes what was uploaded; a failure that may pass offers Retry, which sends the file again.
 * Then a file card over the real SDK download path: the sender's thumbnail at its size at once,
 * the decrypted image after, a lightbox that Escape closes with focus back on the image; a video.
 */
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { attachmentPaddedSize } from "@sealroom/e2e";
import { blobChunkCount } from "@sealroom/proto/chat-blobs";
import { AppError } from "@sealroom/proto/errors";
import { uploadAttachment, type Attachment } from "@sealroom/sdk/browser";
import { AttachmentCard } from "./attachments.js";
import { Composer } from "./Composer.js";
import { DM_BOB, chatHarness, renderChat, settle, type ChatFakeClient } from "./test-support.js";

/** The blob commands over chunks kept in memory; `gate` holds downloads back until it resolves. */
function memoryBlobs(c: ChatFakeClient, opts: { gate?: Promise<void> } = {}) {
  const chunks = new Map<number, string>();
  let size = 0;
  c.commands["chat.blob.start"] = (b) => {
    size = b.size as number;
    return { blobId: "b".repeat(22), chunks: blobChunkCount(size), chunkBytes: 32784 };
  };
  c.commands["chat.blob.put"] = (b) => (chunks.set(b.index as number, b.data as string), {});
  c.commands["chat.blob.commit"] = () => ({});
  c.commands["chat.blob.status"] = async (b) => {
    await opts.gate;
    return { blobId: b.blobId, conversationId: DM_BOB, size, chunks: chunks.size, committed: true };
  };
  c.commands["chat.blob.get"] = (b) => ({ data: chunks.get(b.index as number) });
}

describe("attachments in the composer", () => {
  test("a file over the limit is refused before any byte is sent, and says why", async () => {
    const h = await chatHarness(
      (c) => {
        c.commands["chat.blob.start"] = () => {
          throw new AppError("BLOB_TOO_LARGE");
        };
      },
      { e2e: true },
    );
    await renderChat(<Composer conversationId={DM_BOB} name="bob" />, h);
    const input = await screen.findByTestId("attach-input");
    await userEvent.upload(input, new File([new Uint8Array(1000)], "big.iso", { type: "application/octet-stream" }));
    const row = await screen.findByTestId("upload");
    await waitFor(() => expect(row.textContent).toContain("That file is larger than this server accepts."));
    expect(h.client.sent.filter((s) => s.type === "chat.blob.put")).toEqual([]);
    expect(screen.queryByTestId("upload-retry")).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Remove big.iso from the uploads" }));
    expect(screen.queryByTestId("upload")).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("textbox"));
  });

  test("a file goes up sealed and padded, chunk by chunk; refused at commit, its row says so and the blob is deleted", async () => {
    const plaintext = new TextEncoder().encode("the plaintext of the file ".repeat(2000));
    const stored = new Map<number, string>();
    const h = await chatHarness(
      (c) => {
        c.commands["chat.blob.start"] = () => ({ blobId: "b".repeat(22), chunks: 2, chunkBytes: 32784 });
        c.commands["chat.blob.put"] = (b) => (
          stored.set(b.index as number, b.data as string),
          { blobId: b.blobId, index: b.index }
        );
        // The upload is what this test looks at; the message after it needs the group, which this fake has not.
        c.commands["chat.blob.commit"] = () => {
          throw new AppError("BLOB_INCOMPLETE");
        };
        c.commands["chat.blob.delete"] = () => ({});
      },
      { e2e: true },
    );
    await renderChat(<Composer conversationId={DM_BOB} name="bob" />, h);
    await userEvent.upload(
      await screen.findByTestId("attach-input"),
      new File([plaintext], "notes.txt", { type: "text/plain" }),
    );
    await waitFor(() => expect(stored.size).toBe(2));
    const sealed = Buffer.concat([...stored.values()].map((d) => Buffer.from(d, "base64url")));
    // The file then zeros up to its padded size: the server sees that size, not the file's.
    expect(sealed.length).toBe(attachmentPaddedSize(plaintext.length) + 2 * 16);
    expect(sealed.includes(Buffer.from("the plaintext of the file"))).toBe(false);
    // Refused at commit: the row says so, and the blob is deleted rather than left to the TTL.
    await waitFor(() =>
      expect(screen.getByTestId("upload").textContent).toContain("The upload did not finish. Try again."),
    );
    await settle();
    expect(h.client.sent.some((s) => s.type === "chat.blob.delete")).toBe(true);
  });

  test("a failure that may pass offers Retry and Remove; Retry sends the file again from the start", async () => {
    let starts = 0;
    const h = await chatHarness(
      (c) => {
        memoryBlobs(c);
        const start = c.commands["chat.blob.start"]!;
        c.commands["chat.blob.start"] = (b) => {
          if (++starts === 1) throw new AppError("UNAVAILABLE");
          return start(b);
        };
        // The message after the upload needs the group, which this fake has not: the commit fails.
        c.commands["chat.blob.commit"] = () => {
          throw new AppError("BLOB_INCOMPLETE");
        };
        c.commands["chat.blob.delete"] = () => ({});
      },
      { e2e: true },
    );
    await renderChat(<Composer conversationId={DM_BOB} name="bob" />, h);
    await userEvent.upload(
      await screen.findByTestId("attach-input"),
      new File([new Uint8Array(1000).fill(9)], "notes.txt", { type: "text/plain" }),
    );
    const retry = await screen.findByRole("button", { name: "Retry uploading notes.txt" });
    expect(screen.getByRole("alert").textContent).toBe(
      "Cannot reach the server right now. Check your connection and try again.",
    );
    expect(screen.getByRole("button", { name: "Remove notes.txt from the uploads" })).toBeTruthy();
    await userEvent.click(retry);
    await waitFor(() => expect(h.client.bodies("chat.blob.put")).toHaveLength(1));
    expect(starts).toBe(2);
    // Refused at commit this time: still worth a retry; focus stayed in the row.
    await screen.findByRole("button", { name: "Retry uploading notes.txt" });
    expect(document.activeElement).toBe(screen.getByTestId("upload-cancel"));
    await userEvent.click(screen.getByTestId("upload-cancel"));
    expect(screen.queryByTestId("upload")).toBeNull();
  });
});

describe("a file in a message", () => {
  const thumb = { mime: "image/jpeg", width: 320, height: 200, data: "_9j_4AAQSkZJRgABAQ" } as const;

  async function sent(mime: string, name: string, gate?: Promise<void>) {
    const h = await chatHarness((c) => memoryBlobs(c, gate ? { gate } : {}), { e2e: true });
    const bytes = new Uint8Array(5000).fill(3);
    const ref = await uploadAttachment(h.client, DM_BOB, bytes);
    const attachment: Attachment = { ...ref, name, mime, thumb };
    return { h, attachment };
  }

  test("shows the thumbnail at its size at once, then the image; Enter opens the lightbox, Escape returns focus", async () => {
    let release = () => undefined as void;
    const { h, attachment } = await sent("image/png", "sunset.png", new Promise<void>((r) => (release = r)));
    await renderChat(<AttachmentCard attachment={attachment} />, h);
    const first = screen.getByTestId("attachment-thumb");
    expect(first.getAttribute("src")).toBe("data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==");
    expect([first.getAttribute("width"), first.getAttribute("height")]).toEqual(["320", "200"]);
    expect(first.getAttribute("alt")).toBe("sunset.png");
    release();
    const image = await screen.findByTestId("attachment-preview");
    expect(image.getAttribute("src")).toMatch(/^blob:/);
    expect(image.getAttribute("width")).toBe("320");
    expect(screen.queryByTestId("attachment-thumb")).toBeNull();

    const open = screen.getByRole("button", { name: "Open sunset.png large" });
    open.focus();
    await userEvent.keyboard("{Enter}");
    const dialog = await screen.findByRole("dialog", { name: "sunset.png" });
    expect(dialog.querySelector("img")?.getAttribute("alt")).toBe("sunset.png");
    expect(dialog.querySelector("img")?.getAttribute("src")).toBe(image.getAttribute("src"));
    expect(screen.getByTestId("lightbox-download").textContent).toBe("Download");
    expect(document.activeElement).toBe(screen.getByTestId("lightbox-close"));
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByTestId("lightbox")).toBeNull();
    expect(document.activeElement).toBe(open);
  });

  test("a video plays inline from the decrypted bytes, its thumbnail as poster", async () => {
    const { h, attachment } = await sent("video/mp4", "clip.mp4");
    await renderChat(<AttachmentCard attachment={attachment} />, h);
    const video = await screen.findByTestId("attachment-video");
    expect(video.tagName).toBe("VIDEO");
    expect(video.hasAttribute("controls")).toBe(true);
    expect(video.getAttribute("src")).toMatch(/^blob:/);
    expect(video.getAttribute("poster")).toMatch(/^data:image\/jpeg;base64,/);
    expect(video.getAttribute("aria-label")).toBe("clip.mp4");
  });
});
