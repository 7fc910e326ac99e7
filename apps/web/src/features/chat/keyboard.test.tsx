/**
 * The timeline and composer by keyboard, and the composer's length and text checks (outside review,
 * items 16, 17 and 10), as component tests; test/e2e/keyboard.e2e.test.ts and
 * chat-review.e2e.test.ts drive the same in chromium against the real stack.
 */
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { ConversationView } from "./ConversationView.js";
import { BOB, DM_BOB, ME, chatHarness, dmSummary, renderChat, settle, text } from "./test-support.js";

async function dmWith(entries: ReturnType<typeof text>[]) {
  const h = await chatHarness((c) => {
    const last = entries.at(-1)!;
    c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, last.seq, last.ts, 0, last)] });
    c.commands["chat.history"] = () => ({ conversationId: DM_BOB, entries, lastSeq: last.seq, visibleFromSeq: 0 });
  });
  await renderChat(<ConversationView conversationId={DM_BOB} />, h);
  // The page is in once its newest message shows (a fixed pause was sometimes too short on a busy machine).
  const newest = entries.at(-1)!.seq;
  await waitFor(() => expect(document.querySelector(`[data-seq="${newest}"]`)).not.toBeNull());
  await settle();
  return h;
}

const focusable = () =>
  [...document.querySelectorAll<HTMLElement>("a[href], button:not([disabled]), textarea, [tabindex]")].filter(
    (el) => el.tabIndex >= 0,
  );

describe("the timeline by keyboard", () => {
  test("is one Tab stop however many own messages it holds: no Edit or Delete button in the Tab order", async () => {
    await dmWith(Array.from({ length: 30 }, (_, i) => text(i + 1, i % 3 === 0 ? BOB.id : ME.id, `m${i + 1}`)));
    const stops = focusable().filter((el) => el.closest("[data-testid=timeline]"));
    expect(stops).toHaveLength(1);
    expect(stops[0]!.getAttribute("data-seq")).toBe("30");
    expect(screen.getAllByRole("button", { name: "Edit" }).every((b) => b.tabIndex === -1)).toBe(true);
  });

  test("arrows move between messages and the stop follows; a typed character goes to the composer", async () => {
    await dmWith([text(1, BOB.id, "one"), text(2, ME.id, "two"), text(3, ME.id, "three")]);
    const user = userEvent.setup();
    const last = document.querySelector<HTMLElement>('[data-seq="3"]')!;
    last.focus();
    await user.keyboard("{ArrowUp}");
    expect(document.activeElement?.getAttribute("data-seq")).toBe("2");
    expect(document.querySelector<HTMLElement>('[data-seq="2"]')!.tabIndex).toBe(0);
    expect(last.tabIndex).toBe(-1);
    await user.keyboard("{Home}");
    expect(document.activeElement?.getAttribute("data-seq")).toBe("1");
    await user.keyboard("x");
    expect(document.activeElement).toBe(screen.getByTestId("composer"));
  });

  test("Shift+F10 on an own message opens its menu with Edit and Delete; Escape closes it, back on the message", async () => {
    await dmWith([text(1, BOB.id, "one"), text(2, ME.id, "two")]);
    const user = userEvent.setup();
    const mine = document.querySelector<HTMLElement>('[data-seq="2"]')!;
    mine.focus();
    await user.keyboard("{Shift>}{F10}{/Shift}");
    expect(screen.getAllByRole("menuitem").map((i) => i.textContent)).toEqual([
      "Copy text",
      "Copy link to message",
      "Forward…",
      "Edit",
      "Delete",
    ]);
    expect(document.activeElement?.textContent).toBe("Copy text");
    await user.keyboard("{Escape}");
    await settle();
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(mine);
    // Someone else's message has no Edit or Delete.
    document.querySelector<HTMLElement>('[data-seq="1"]')!.focus();
    await user.keyboard("{Shift>}{F10}{/Shift}");
    expect(screen.getAllByRole("menuitem").map((i) => i.textContent)).toEqual([
      "Copy text",
      "Copy link to message",
      "Forward…",
    ]);
  });

  test("Up in the empty composer edits the user's last message", async () => {
    await dmWith([text(1, ME.id, "mine"), text(2, BOB.id, "theirs")]);
    const user = userEvent.setup();
    await user.click(screen.getByTestId("composer"));
    await user.keyboard("{ArrowUp}");
    await settle();
    expect((screen.getByRole("textbox", { name: "Edit your message" }) as HTMLTextAreaElement).value).toBe("mine");
  });
});

describe("the composer says why Send is disabled", () => {
  test("near the limit a counter, over it the reason; an unpaired bidi override is refused with its reason", async () => {
    await dmWith([text(1, BOB.id, "hi")]);
    const user = userEvent.setup();
    const box = screen.getByTestId("composer");
    const send = screen.getByRole("button", { name: "Send" });
    await user.click(box);
    await user.paste("a".repeat(3999));
    expect(screen.getByTestId("composer-count").textContent).toBe("1 character left");
    expect(send.hasAttribute("disabled")).toBe(false);
    await user.paste("bc");
    expect(screen.getByTestId("composer-count").textContent).toBe("1 character too many");
    expect(send.hasAttribute("disabled")).toBe(true);
    expect(screen.getByTestId("composer-problem").textContent).toContain("at most 4,000 characters");
    expect(box.getAttribute("aria-describedby")).toBe("composer-hint composer-count composer-problem");
    await user.clear(box);
    await user.paste("pay \u202E001$");
    expect(send.hasAttribute("disabled")).toBe(true);
    expect(screen.getByTestId("composer-problem").textContent).toContain("text-direction control");
  });
});
