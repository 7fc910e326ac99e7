import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { NO_SETTINGS, type ConversationSettings } from "@sealroom/sdk/browser";
import { ConversationList } from "./ConversationList.js";
import { ConversationView } from "./ConversationView.js";
import { unreadTotal } from "./chrome.js";
import { BOB, CAROL, DM_BOB, chatHarness, dmSummary, groupSummary, renderChat, settle, text } from "./test-support.js";

const names = (list: HTMLElement) =>
  within(list)
    .getAllByRole("link")
    .map((a) => a.querySelector(".conv-name")?.textContent);

const withSettings = <T extends object>(summary: T, settings: Partial<ConversationSettings>) => ({
  ...summary,
  settings: { ...NO_SETTINGS, ...settings },
});

describe("conversation settings in the list", () => {
  test("pinned first, archived apart (shown on request), muted dimmed, marked unread as a dot; live changes follow", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [
          withSettings(groupSummary(9, "Team", 7, 3_000, 4), { muted: { until: null } }),
          dmSummary(BOB, 4, 2_000, 2, text(4, BOB.id, "hello")),
          withSettings(dmSummary(CAROL, 1, 1_000, 0, text(1, CAROL.id, "old news")), { pinned: true }),
          withSettings(groupSummary(5, "Archive me", 2, 500), { archived: true }),
        ],
      });
    });
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    await settle();
    const list = screen.getByTestId("conversation-list");
    expect(names(list)).toEqual(["carol", "Team", "bob"]);
    expect(within(screen.getByTestId("conv-dm:1:3")).getByTestId("pinned-mark").textContent).toBe("Pinned");

    // Muted: the count stays, marked as muted (dimmed by the style), and the tab title leaves it out.
    const team = screen.getByTestId("conv-group:9");
    expect(team.getAttribute("data-muted")).toBe("true");
    expect(within(team).getByTestId("unread-badge").getAttribute("data-muted")).toBe("true");
    expect(within(team).getByTestId("muted-mark").textContent).toBe("Muted");
    expect(unreadTotal(h.store.getSnapshot().conversations)).toBe(2);

    // Archived: a collapsed section, opened by its button.
    expect(screen.queryByTestId("conv-group:5")).toBeNull();
    const toggle = screen.getByTestId("archived-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(toggle.textContent).toContain("Archived (1)");
    await userEvent.click(toggle);
    expect(names(screen.getByTestId("archived-list"))).toEqual(["Archive me"]);

    // Another device marked bob's DM unread after reading it, and unpinned carol.
    h.event("chat.read.v1", {
      conversationId: DM_BOB,
      userId: 1,
      readSeq: 4,
      read: { readSeq: 4, unread: 0, countedSeq: 4 },
    });
    h.event("chat.settings.v1", { conversationId: DM_BOB, settings: { ...NO_SETTINGS, markedUnread: true } });
    h.event("chat.settings.v1", { conversationId: "dm:1:3", settings: NO_SETTINGS });
    await settle();
    const bob = screen.getByTestId(`conv-${DM_BOB}`);
    expect(within(bob).queryByTestId("unread-badge")).toBeNull();
    expect(within(bob).getByTestId("marked-unread").textContent).toBe("Marked as unread");
    expect(bob.getAttribute("data-unread")).toBe("true");
    expect(names(list)).toEqual(["Team", "bob", "carol"]);

    // A message of someone else brings the archived group back to the list.
    h.event("chat.message.created.v1", {
      entry: { ...text(3, CAROL.id, "back!", { ts: 4_000 }), conversationId: "group:5" },
      sender: CAROL,
      group: { id: 5, name: "Archive me" },
      preview: "back!",
    });
    await settle();
    expect(names(screen.getByTestId("conversation-list"))[0]).toBe("Archive me");
    expect(screen.queryByTestId("archived-toggle")).toBeNull();
  });
});

describe("the conversation's options menu", () => {
  test("keyboard-operable: opens on its first item, pins, mutes for an hour, archives; each a chat.settings.set", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [dmSummary(BOB, 1, 1_000, 0, text(1, BOB.id, "hi"))],
      });
      c.commands["chat.history"] = () => ({
        conversationId: DM_BOB,
        entries: [text(1, BOB.id, "hi")],
        lastSeq: 1,
        visibleFromSeq: 0,
      });
      c.commands["chat.settings.set"] = (b) => {
        const { conversationId, ...change } = b;
        const current = h.store.getSnapshot().byId[DM_BOB]!.settings;
        return { conversationId, settings: { ...current, ...change } };
      };
    });
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const user = userEvent.setup();
    const button = screen.getByRole("button", { name: "Conversation options" });
    button.focus();
    await user.keyboard("{Enter}");
    const menu = screen.getByRole("menu", { name: "Conversation options" });
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(document.activeElement?.textContent).toBe("Pin to the top");
    await user.keyboard("{Enter}");
    await settle();
    expect(menu.isConnected).toBe(false);
    expect(document.activeElement).toBe(button);
    expect(h.client.bodies("chat.settings.set")).toEqual([{ conversationId: DM_BOB, pinned: true }]);

    await user.keyboard("{Enter}");
    expect(document.activeElement?.textContent).toBe("Unpin");
    await user.keyboard("{ArrowDown}{Enter}");
    await settle();
    const mute = h.client.bodies("chat.settings.set")[1] as { muted: { until: number } };
    expect(mute.muted.until - Date.now()).toBeGreaterThan(3_500_000);
    expect(mute.muted.until - Date.now()).toBeLessThanOrEqual(3_600_000);

    // Muted now: the menu offers Unmute in place of the lengths; Escape closes it and refocuses the button.
    await user.keyboard("{Enter}");
    const items = within(screen.getByRole("menu"))
      .getAllByRole("menuitem")
      .map((i) => i.textContent);
    expect(items).toEqual(["Unpin", "Unmute", "Archive", "Mark as unread"]);
    await user.keyboard("{End}");
    expect(document.activeElement?.textContent).toBe("Mark as unread");
    await user.keyboard("{ArrowUp}{Enter}");
    await settle();
    expect(h.client.bodies("chat.settings.set").at(-1)).toEqual({ conversationId: DM_BOB, archived: true });
    await user.keyboard("{Enter}{Escape}");
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  test("opening a conversation marked unread clears the mark without moving the read pointer", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [withSettings(dmSummary(BOB, 1, 1_000, 0, text(1, BOB.id, "hi")), { markedUnread: true })],
      });
      c.commands["chat.history"] = () => ({
        conversationId: DM_BOB,
        entries: [text(1, BOB.id, "hi")],
        lastSeq: 1,
        visibleFromSeq: 0,
      });
    });
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    expect(h.client.bodies("chat.markRead")).toContainEqual({ conversationId: DM_BOB, seq: 1 });
  });
});
