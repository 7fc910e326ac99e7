// Replies and reactions in an end-to-end encrypted DM: the quote above a reply and where it leads,
// the reaction chips (who, toggling), the composer's reply draft, and the keyboard menu. The
// store's encrypted send and reaction are covered with real devices in test/chat-e2e-changes.test.ts
// and in chromium (test/e2e/responses.e2e.test.ts); here the UI's side of them.
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import type { E2eTextEntry } from "@sealroom/sdk/browser";
import { ConversationView } from "./ConversationView.js";
import { BOB, DM_BOB, ME, chatHarness, dmSummary, encrypted, renderChat, settle, text } from "./test-support.js";

const ID_A = "A".repeat(22);
const ID_B = "B".repeat(22);

/** A decrypted message with the engine's fields. */
function e2e(seq: number, senderId: number, body: string, extra: Partial<E2eTextEntry> = {}) {
  return Object.assign(encrypted(text(seq, senderId, body), "decrypted"), { contentId: null, ...extra });
}

async function dmWith(entries: ReturnType<typeof text>[]) {
  const h = await chatHarness(
    (c) => {
      const last = entries.at(-1)!;
      c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, last.seq, last.ts, 0, last)] });
      c.commands["chat.history"] = () => ({ conversationId: DM_BOB, entries, lastSeq: last.seq, visibleFromSeq: 0 });
    },
    { e2e: true },
  );
  await renderChat(<ConversationView conversationId={DM_BOB} />, h);
  await settle();
  return h;
}

const messageAt = (seq: number) =>
  screen.getAllByTestId("message").find((m) => m.getAttribute("data-seq") === String(seq))!;

describe("replies and reactions", () => {
  test("a reply quotes its original and leads to it; a deleted or absent original says so", async () => {
    await dmWith([
      e2e(1, BOB.id, "where shall we meet?", { contentId: ID_A }),
      e2e(2, ME.id, "at the station", { contentId: ID_B, replyTo: { contentId: ID_A, seq: 1 } }),
      e2e(3, BOB.id, "", { deletedTs: 5, contentId: "C".repeat(22) }),
      e2e(4, ME.id, "ok then", { replyTo: { contentId: "C".repeat(22), seq: 3 } }),
      e2e(5, BOB.id, "and this?", { replyTo: { contentId: "D".repeat(22), seq: null } }),
    ]);
    const quote = within(messageAt(2)).getByTestId("reply-quote");
    expect(quote.textContent).toBe("bobwhere shall we meet?");
    await userEvent.setup().click(quote);
    expect(document.activeElement).toBe(messageAt(1));
    expect(messageAt(1).hasAttribute("data-found")).toBe(true);
    expect(within(messageAt(4)).getByTestId("reply-quote").textContent).toBe("bobThis message was deleted");
    expect(within(messageAt(5)).getByTestId("reply-quote").textContent).toBe(
      "The original message is not on this device",
    );
  });

  test("reactions show who reacted; a chip toggles the user's own reaction", async () => {
    const h = await dmWith([
      e2e(1, BOB.id, "news!", {
        contentId: ID_A,
        reactions: [
          { emoji: "🎉", userIds: [BOB.id, ME.id] },
          { emoji: "👀", userIds: [BOB.id] },
        ],
      }),
    ]);
    const react = vi
      .spyOn(h.store, "react")
      .mockResolvedValue({ id: 9, conversationId: DM_BOB, seq: 2, ts: 9, clientMsgId: "x" });
    const chips = within(messageAt(1)).getAllByTestId("reaction");
    expect(chips.map((c) => [c.textContent, c.getAttribute("aria-pressed"), c.getAttribute("aria-label")])).toEqual([
      ["🎉2", "true", "🎉 by bob and you"],
      ["👀1", "false", "👀 by bob"],
    ]);
    await userEvent.setup().click(chips[1]!);
    expect(react).toHaveBeenCalledWith(DM_BOB, 1, "👀");
  });

  test("Reply puts the original above the composer; the next message answers it; Escape lets go", async () => {
    const h = await dmWith([e2e(1, BOB.id, "lunch at noon?", { contentId: ID_A })]);
    const send = vi.spyOn(h.store, "send");
    const user = userEvent.setup();
    await user.click(within(messageAt(1)).getByRole("button", { name: "Reply" }));
    const draft = screen.getByTestId("composer-reply");
    expect(draft.textContent).toBe("Replying to boblunch at noon?");
    expect(document.activeElement).toBe(screen.getByTestId("composer"));
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("composer-reply")).toBeNull();

    await user.click(within(messageAt(1)).getByRole("button", { name: "Reply" }));
    await user.keyboard("yes!{Enter}");
    expect(send).toHaveBeenCalledWith(DM_BOB, "yes!", { replyToSeq: 1 });
    expect(screen.queryByTestId("composer-reply")).toBeNull();
  });

  test("by keyboard: another's message offers Reply and React, not Edit or Delete", async () => {
    await dmWith([e2e(1, BOB.id, "hello", { contentId: ID_A })]);
    const message = messageAt(1);
    message.focus();
    await userEvent.setup().keyboard("{Shift>}{F10}{/Shift}");
    // Radix renders the menu in a portal, outside the message.
    const menu = screen.getByRole("menu", { name: "Message actions" });
    expect(
      within(menu)
        .getAllByRole("menuitem")
        .map((i) => i.textContent),
    ).toEqual(["Reply", "React", "Copy text", "Copy link to message", "Forward…"]);
    await userEvent.setup().keyboard("{ArrowDown}{Enter}");
    expect(await screen.findByTestId("emoji-picker")).toBeTruthy();
  });
});
