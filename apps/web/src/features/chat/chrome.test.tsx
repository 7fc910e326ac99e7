import { act, screen } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { ConnectionBadge, GRACE_MS } from "../../components/ConnectionBadge.js";
import { useChatChrome } from "./chrome.js";
import { ChatScreen } from "./ChatScreen.js";
import { ConversationList } from "./ConversationList.js";
import { BOB, CAROL, chatHarness, dmSummary, renderChat, settle, text } from "./test-support.js";

function Chrome({ open }: { open?: string }) {
  useChatChrome(open);
  return null;
}

describe("chat chrome", () => {
  test("the tab title carries the unread total", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [dmSummary(BOB, 3, 2, 2), dmSummary(CAROL, 5, 1, 1)],
      });
    });
    await renderChat(<Chrome />, h);
    await settle();
    expect(document.title).toBe("(3) Sealroom");
    h.event("chat.read.v1", {
      conversationId: "dm:1:2",
      userId: 1,
      readSeq: 3,
      read: { readSeq: 3, unread: 0, countedSeq: 3 },
    });
    await settle();
    expect(document.title).toBe("(1) Sealroom");
  });

  test("signed in, the state is 'ready' only once the chat store has synced; a slow catch-up shows a badge", async () => {
    let finish!: () => void;
    const h = await chatHarness();
    await renderChat(<ConnectionBadge />, h);
    await settle();
    const state = () => screen.getByTestId("connection").getAttribute("data-state");
    expect(state()).toBe("ready");
    expect(document.querySelector(".conn")).toBeNull();
    // A reconnect: the store catches up again; a slow conversation list keeps it "catching up".
    h.client.commands["chat.conversations"] = () =>
      new Promise((resolve) => (finish = () => resolve({ conversations: [] })));
    h.client.emit("signedIn", { id: 1, username: "alice" });
    await settle();
    expect(state()).toBe("catching-up");
    await act(() => new Promise((resolve) => setTimeout(resolve, GRACE_MS + 50)));
    expect(document.querySelector(".conn")?.textContent).toBe("Connection: Catching up…");
    finish();
    await settle();
    expect(state()).toBe("ready");
    expect(document.querySelector(".conn")).toBeNull();
  });

  test("a DM first seen live is named after its sender", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.history"] = () => ({
        conversationId: "dm:1:2",
        entries: [text(1, BOB.id, "hey, it's bob")],
        lastSeq: 1,
        visibleFromSeq: 0,
      });
    });
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    h.event("chat.message.created.v1", {
      entry: text(1, BOB.id, "hey, it's bob"),
      sender: BOB,
      group: null,
      preview: "hey, it's bob",
    });
    await settle();
    const item = screen.getByTestId("conv-dm:1:2");
    expect(item.querySelector(".conv-name")?.textContent).toBe("bob");
    expect(item.textContent).toContain("hey, it's bob");
  });

  test("with nobody to talk to yet, the home view offers to find friends instead of an empty list", async () => {
    const h = await chatHarness();
    await renderChat(<ChatScreen conversationId={undefined} />, h);
    await settle();
    expect(screen.getByRole("heading", { name: "No conversations yet" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Find friends" }).getAttribute("href")).toBe("#/friends");
  });
});
