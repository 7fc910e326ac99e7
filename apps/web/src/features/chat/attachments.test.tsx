/**
 * The composer's attachments over the SDK's real ChatStore and end-to-end engine, at the client
 * boundary: a file over the server's limit is refused at chat.blob.start, before any chunk is sent,
 * and the reason shows in the upload row until dismissed; a file goes up chunk by chunk, sealed
 * (never the plaintext), and a refusal at the end shows too and deletes what was uploaded.
 */
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { AppError } from "@sealroom/proto/errors";
import { Composer } from "./Composer.js";
import { DM_BOB, chatHarness, renderChat, settle } from "./test-support.js";

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
    await userEvent.click(screen.getByTestId("upload-cancel"));
    expect(screen.queryByTestId("upload")).toBeNull();
  });

  test("a file goes up sealed, chunk by chunk; refused at commit, its row says so and the blob is deleted", async () => {
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
    expect(sealed.length).toBe(plaintext.length + 2 * 16);
    expect(sealed.includes(Buffer.from("the plaintext of the file"))).toBe(false);
    // Refused at commit: the row says so, and the blob is deleted rather than left to the TTL.
    await waitFor(() =>
      expect(screen.getByTestId("upload").textContent).toContain("The upload did not finish. Try again."),
    );
    await settle();
    expect(h.client.sent.some((s) => s.type === "chat.blob.delete")).toBe(true);
  });
});
