import { screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { ConversationList } from "./ConversationList.js";
import { BOB, CAROL, DM_BOB, chatHarness, dmSummary, groupSummary, renderChat, settle, text } from "./test-support.js";

const names = () => screen.getAllByRole("link").map((a) => a.querySelector(".conv-name")?.textContent);

describe("ConversationList", () => {
  test("orders conversations by activity, shows previews and unread badges, and a new message moves its conversation to the top", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [
          dmSummary(BOB, 4, 1_000, 2, text(4, BOB.id, "see you\nat 5")),
          groupSummary(9, "Team 团队", 7, 2_000),
          dmSummary(CAROL, 1, 500, 0, text(1, 1, "hi carol")),
        ],
      });
    });
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    await settle();
    expect(names()).toEqual(["Team 团队", "bob", "carol"]);
    const bob = screen.getByTestId(`conv-${DM_BOB}`);
    expect(within(bob).getByTestId("unread-badge").textContent).toBe("22 unread");
    expect(within(bob).getByText("see you at 5")).toBeTruthy();
    expect(within(screen.getByTestId("conv-dm:1:3")).getByText("You: hi carol")).toBeTruthy();
    expect(within(screen.getByTestId("conv-group:9")).queryByTestId("unread-badge")).toBeNull();

    h.event("chat.message.created.v1", {
      entry: text(5, BOB.id, "are you there?", { ts: 3_000 }),
      sender: BOB,
      group: null,
      preview: "are you there?",
    });
    await settle();
    expect(names()).toEqual(["bob", "Team 团队", "carol"]);
    expect(within(screen.getByTestId(`conv-${DM_BOB}`)).getByTestId("unread-badge").textContent).toBe("33 unread");
  });

  test("the open conversation shows no badge; friends without a conversation are offered, with presence", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [dmSummary(BOB, 2, 1_000, 1, text(2, BOB.id, "yo"))],
      });
      c.commands["social.overview"] = () => ({
        friends: [
          { user: BOB, since: 1, presence: { online: true, lastSeenAt: null } },
          { user: CAROL, since: 1, presence: { online: false, lastSeenAt: 5 } },
        ],
      });
    });
    await renderChat(<ConversationList activeId={DM_BOB} pageHeading={false} />, h);
    await settle();
    const bob = screen.getByTestId(`conv-${DM_BOB}`);
    expect(bob.getAttribute("aria-current")).toBe("page");
    expect(within(bob).queryByTestId("unread-badge")).toBeNull();
    expect(within(bob).getByText("Online")).toBeTruthy();
    const start = screen.getByRole("list", { name: "Start a chat" });
    const carol = within(start).getByRole("link");
    expect(carol.textContent).toContain("carol");
    expect(carol.textContent).toContain("Offline");
    expect(carol.getAttribute("href")).toBe("#/chat/dm:1:3");
    // The list's heading is a section heading here: the open conversation has the page's h1.
    expect(screen.getByRole("heading", { name: "Conversations" }).tagName).toBe("H2");

    h.event("presence.changed.v1", { userId: CAROL.id, online: true, lastSeenAt: null });
    await settle();
    expect(within(start).getByRole("link").textContent).toContain("Online");
  });

  test("no conversations yet but a friend to write to: says so under the heading, no empty list", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({ conversations: [] });
      c.commands["social.overview"] = () => ({
        friends: [{ user: CAROL, since: 1, presence: { online: true, lastSeenAt: null } }],
      });
    });
    await renderChat(<ConversationList activeId={undefined} pageHeading={false} />, h);
    await settle();
    expect(screen.getByRole("list", { name: "Start a chat" })).toBeTruthy();
    expect(screen.getByText("No conversations yet")).toBeTruthy();
    expect(screen.queryByTestId("conversation-list")).toBeNull();
  });

  test("arrow keys move between conversations", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [dmSummary(BOB, 1, 2_000), dmSummary(CAROL, 1, 1_000)],
      });
    });
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    await settle();
    const [first, second] = screen.getAllByRole("link");
    first!.focus();
    first!.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement).toBe(second);
    second!.dispatchEvent(new KeyboardEvent("keydown", { key: "Home", bubbles: true }));
    expect(document.activeElement).toBe(first);
  });

  test("a DM shows the partner's display name, changed live; cleared, the username again", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [dmSummary(BOB, 2, 1_000, 0, text(2, BOB.id, "yo"))],
      });
    });
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    await settle();
    expect(names()).toEqual(["bob"]);
    h.event("social.profile.updated.v1", {
      profile: { user: BOB, displayName: "Bobby 🚲", about: null, avatar: null },
    });
    await settle();
    expect(names()).toEqual(["Bobby 🚲"]);
    h.event("social.profile.updated.v1", { profile: { user: BOB, displayName: null, about: null, avatar: null } });
    await settle();
    expect(names()).toEqual(["bob"]);
  });
});
