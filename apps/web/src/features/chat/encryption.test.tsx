import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { createHash } from "node:crypto";
import { SettingsScreen } from "../../screens/SettingsScreen.js";
import { ConversationList } from "./ConversationList.js";
import { ConversationView } from "./ConversationView.js";
import { browserDeviceName } from "./device-name.js";
import { BOB, CAROL, DM_BOB, ME, chatHarness, dmSummary, encrypted, renderChat, settle, text } from "./test-support.js";

/** A DM with bob holding `entries` (the history the store loads), with or without encryption. */
function dmWith(entries: ReturnType<typeof text>[], e2e: boolean) {
  return chatHarness(
    (c) => {
      const last = entries.at(-1)!;
      c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, last.seq, last.ts, 0, last)] });
      c.commands["chat.history"] = () => ({ conversationId: DM_BOB, entries, lastSeq: last.seq, visibleFromSeq: 0 });
    },
    { e2e },
  );
}

/** The signature key the engine registered for this device, as its fingerprint (docs/E2E.md section 4). */
function registeredFingerprint(h: Awaited<ReturnType<typeof chatHarness>>): string {
  const [body] = h.client.bodies("auth.keys.registerDevice");
  const key = Buffer.from(String(body?.signatureKey), "base64url");
  return createHash("sha256").update(key).digest("hex").slice(0, 32).match(/.{4}/g)!.join(":");
}

describe("an end-to-end encrypted conversation", () => {
  test("the header's lock opens what encryption protects, what the server sees, and this device's fingerprint", async () => {
    const h = await dmWith([encrypted(text(1, BOB.id, "hi"), "decrypted")], true);
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const user = userEvent.setup();
    const lock = screen.getByRole("button", { name: "End-to-end encrypted: Encryption details" });
    expect(lock.getAttribute("aria-expanded")).toBe("false");
    await user.click(lock);
    expect(lock.getAttribute("aria-expanded")).toBe("true");
    const panel = screen.getByRole("region", { name: "End-to-end encrypted" });
    expect(within(panel).getByText(/cannot read|without being able to read them/)).toBeTruthy();
    expect(within(panel).getByText("What the server still sees")).toBeTruthy();
    expect(within(panel).getByText(/unread counts, read receipts, who is typing, and who is online/)).toBeTruthy();
    // The device registers with real keys; the fingerprint shown is the key the directory got.
    const fp = await within(panel).findByTestId("device-fingerprint", {}, { timeout: 5_000 });
    expect(fp.getAttribute("aria-label")).toBe(`This device's fingerprint: ${registeredFingerprint(h)}`);
    expect(fp.querySelectorAll(".fingerprint-group")).toHaveLength(8);

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("region", { name: "End-to-end encrypted" })).toBeNull();
    expect(document.activeElement).toBe(lock);
  });

  test("history from before encryption is marked; unreadable messages say so and cannot be edited", async () => {
    const h = await dmWith(
      [
        text(1, BOB.id, "old plaintext"),
        text(2, ME.id, "my old plaintext"),
        encrypted(text(3, BOB.id, "a secret"), "decrypted"),
        encrypted(text(4, BOB.id, ""), "undecryptable"),
        encrypted(text(5, ME.id, ""), "unavailable"),
      ],
      true,
    );
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const rows = [...screen.getByTestId("timeline").querySelectorAll("[data-testid]")]
      .map((el) => el.getAttribute("data-testid"))
      .filter(
        (id) => !["message-status", "react-button", "reply-button", "more-button", "message-notice"].includes(id ?? ""),
      );
    expect(rows).toEqual(["plaintext-divider", "message", "message", "e2e-divider", "message", "message", "message"]);
    expect(screen.getByTestId("plaintext-divider").textContent).toBe(
      "Sent before end-to-end encryption: the messages below are not end-to-end encrypted",
    );
    const messages = screen.getAllByTestId("message");
    expect(messages.map((m) => m.getAttribute("data-e2e"))).toEqual([
      "plaintext",
      "plaintext",
      "decrypted",
      "undecryptable",
      "unavailable",
    ]);
    // Screen readers hear it per message too.
    expect(within(messages[0]!).getByText(/Not end-to-end encrypted/)).toBeTruthy();
    expect(within(messages[2]!).queryByText(/Not end-to-end encrypted/)).toBeNull();
    expect(within(messages[3]!).getByText("This message could not be decrypted on this device.")).toBeTruthy();
    expect(within(messages[4]!).getByText("Encrypted message, not available on this device.")).toBeTruthy();
    // The user's own plaintext can be edited; an own message with no text here cannot.
    expect(within(messages[1]!).queryByRole("button", { name: "Edit" })).not.toBeNull();
    expect(within(messages[4]!).queryByRole("button", { name: "Edit" })).toBeNull();
    // Replies and reactions travel inside the encryption: offered on the decrypted message only.
    const responds = (m: HTMLElement) => within(m).queryByRole("button", { name: "Reply" }) !== null;
    expect(messages.map(responds)).toEqual([false, false, true, false, false]);
    expect(within(messages[2]!).getByRole("button", { name: "React" })).toBeTruthy();
  });

  test("without encryption nothing of it shows", async () => {
    const h = await dmWith([text(1, BOB.id, "old plaintext")], false);
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    expect(screen.queryByTestId("e2e-lock")).toBeNull();
    expect(screen.queryByTestId("plaintext-divider")).toBeNull();
    expect(screen.getByTestId("message").getAttribute("data-e2e")).toBeNull();
    expect(screen.queryByText(/Not end-to-end encrypted/)).toBeNull();
  });
});

describe("the conversation list's preview of encrypted messages, computed on the device", () => {
  test("a decrypted text, an undecryptable one, and an encrypted one this device has not read", async () => {
    const dave = { id: 4, username: "dave" };
    const h = await chatHarness(
      (c) => {
        c.commands["chat.conversations"] = () => ({
          conversations: [
            // The server gives no preview of an encrypted message: `last` is null while the log moved on.
            dmSummary(BOB, 7, 3_000, 0, null),
            // What the engine made of the newest message (the store holds it as the engine surfaced it).
            dmSummary(CAROL, 2, 2_000, 0, encrypted(text(2, CAROL.id, "see you\nat 5"), "decrypted")),
            dmSummary(dave, 3, 1_000, 0, encrypted(text(3, dave.id, ""), "undecryptable")),
          ],
        });
      },
      { e2e: true },
    );
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    await settle();
    const preview = (id: string) => screen.getByTestId(`conv-${id}`).querySelector(".conv-preview")?.textContent;
    expect(preview(DM_BOB)).toBe("Encrypted message");
    expect(preview("dm:1:3")).toBe("see you at 5");
    expect(preview("dm:1:4")).toBe("Message could not be decrypted");
  });

  test("without encryption, a conversation with nothing shown says so", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, 7, 3_000, 0, null)] });
    });
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    await settle();
    expect(screen.getByTestId(`conv-${DM_BOB}`).querySelector(".conv-preview")?.textContent).toBe("No messages yet");
  });
});

describe("Settings", () => {
  test("shows this device's name and fingerprint, and what end-to-end encryption protects", async () => {
    const h = await dmWith([text(1, BOB.id, "hi")], true);
    h.client.commands["auth.keys.devices"] = () => ({
      devices: h.client.bodies("auth.keys.registerDevice").map((b) => ({
        deviceId: "device-1",
        userId: ME.id,
        signatureKey: b.signatureKey,
        name: b.name,
        createdAt: 1,
        lastActiveAt: 2,
      })),
    });
    await renderChat(<SettingsScreen username="alice" />, h);
    const panel = screen.getByRole("region", { name: "End-to-end encryption" });
    expect(within(panel).getByText(/Messages you send from this app are end-to-end encrypted/)).toBeTruthy();
    // The directory's entry of this device, under the name the browser gave it.
    const row = await within(panel).findByText("This device", {}, { timeout: 5_000 });
    expect(row.closest("[data-testid=device-row]")?.querySelector(".row-title bdi")?.textContent).toBe("Test browser");
    const fp = await within(panel).findByTestId("device-fingerprint", {}, { timeout: 5_000 });
    expect(fp.getAttribute("aria-label")).toBe(`This device's fingerprint: ${registeredFingerprint(h)}`);
    // Logging out (the SDK's signedOut) is what deletes the keys: the panel says so.
    expect(within(panel).getByText(/Logging out deletes this device's keys/)).toBeTruthy();
    await act(() => Promise.resolve());
  });

  test("is absent when the app does not encrypt", async () => {
    const h = await dmWith([text(1, BOB.id, "hi")], false);
    await renderChat(<SettingsScreen username="alice" />, h);
    expect(screen.queryByRole("region", { name: "End-to-end encryption" })).toBeNull();
  });
});

describe("the device's name", () => {
  test("names the browser and the system, nothing more of the user agent", () => {
    expect(
      browserDeviceName(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      ),
    ).toBe("Chrome on Linux");
    expect(
      browserDeviceName(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
      ),
    ).toBe("Edge on Windows");
    expect(
      browserDeviceName("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:133.0) Gecko/20100101 Firefox/133.0"),
    ).toBe("Firefox on macOS");
    expect(
      browserDeviceName(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
      ),
    ).toBe("Safari on iOS");
    expect(browserDeviceName("curl/8.5")).toBe("Browser");
  });
});
