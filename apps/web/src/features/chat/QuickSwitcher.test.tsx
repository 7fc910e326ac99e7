import { act, fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test } from "vitest";
import { NO_SETTINGS } from "@sealroom/sdk/browser";
import { ConversationList } from "./ConversationList.js";
import { QuickSwitcherProvider } from "./QuickSwitcher.js";
import { BOB, CAROL, DM_BOB, chatHarness, dmSummary, groupSummary, renderChat, settle } from "./test-support.js";

const DAN = { id: 4, username: "dan" };
const ERIN = { id: 5, username: "erin" };

/** Bob (display name José Bobo, most recent), the group "Team 团队", Carol (archived); Erin: a friend, no chat yet. */
async function setup(opts: { apple?: boolean; open?: string } = {}) {
  window.location.hash = opts.open ? `#/chat/${opts.open}` : "#/";
  const h = await chatHarness((c) => {
    c.commands["chat.conversations"] = () => ({
      conversations: [
        dmSummary(BOB, 3, 3_000),
        groupSummary(9, "Team 团队", 2, 2_000),
        { ...dmSummary(CAROL, 1, 2_500), settings: { ...NO_SETTINGS, archived: true } },
        dmSummary(DAN, 1, 1_000),
      ],
    });
    c.commands["social.overview"] = () => ({
      friends: [BOB, ERIN].map((user) => ({ user, since: 1, presence: { online: false, lastSeenAt: null } })),
    });
  });
  h.services.people.setProfiles({
    [BOB.id]: { user: BOB, displayName: "José Bobo", about: null, avatar: null },
  } as never);
  await renderChat(
    <QuickSwitcherProvider apple={opts.apple ?? false}>
      <ConversationList activeId={opts.open} pageHeading />
      <main id="main" tabIndex={-1}>
        <textarea aria-label="Message" />
      </main>
    </QuickSwitcherProvider>,
    h,
  );
  await settle();
  return h;
}

const field = () => screen.getByRole("combobox", { name: "Conversation name" });
const options = () => within(screen.getByRole("listbox", { hidden: true })).queryAllByRole("option");
const labels = () => options().map((o) => o.getAttribute("aria-label"));
const activeLabel = () =>
  document.getElementById(field().getAttribute("aria-activedescendant") ?? "")?.getAttribute("aria-label");
const ctrlK = (opts: { metaKey?: boolean; ctrlKey?: boolean } = { ctrlKey: true }) =>
  act(() => void fireEvent.keyDown(document.activeElement ?? document.body, { key: "k", code: "KeyK", ...opts }));

afterEach(() => {
  window.location.hash = "";
});

describe("QuickSwitcher", () => {
  test("Ctrl+K from the composer opens a labelled modal listing every conversation, most recent first, archived marked", async () => {
    await setup();
    const composer = screen.getByRole("textbox", { name: "Message" });
    composer.focus();
    await ctrlK();
    const dialog = screen.getByRole("dialog", { name: "Jump to a conversation" });
    expect(dialog.tagName).toBe("DIALOG");
    expect(document.activeElement).toBe(field());
    expect(field().getAttribute("aria-controls")).toBe(screen.getByRole("listbox").id);
    expect(field().getAttribute("aria-expanded")).toBe("true");
    expect(labels()).toEqual([
      "José Bobo, @bob, Direct message",
      "Team 团队, Group",
      "dan, Direct message",
      "carol, Direct message, Archived",
      "erin, Direct message, No messages yet",
    ]);
    expect(activeLabel()).toBe("José Bobo, @bob, Direct message");
  });

  test("typing filters: case and accents ignored, Chinese by substring, username too; no match says so", async () => {
    const user = userEvent.setup();
    await setup();
    await user.click(screen.getByTestId("quick-switcher-open"));
    await user.type(field(), "团");
    expect(labels()).toEqual(["Team 团队, Group"]);
    await user.clear(field());
    await user.type(field(), "JOSE");
    expect(labels()).toEqual(["José Bobo, @bob, Direct message"]);
    await user.clear(field());
    await user.type(field(), "car");
    expect(labels()).toEqual(["carol, Direct message, Archived"]);
    expect(screen.getByTestId("quick-switcher-status").textContent).toBe("Conversations found: 1");
    await user.type(field(), "xyz");
    expect(options()).toEqual([]);
    expect(screen.getByTestId("quick-switcher-status").textContent).toBe("No conversation matches “carxyz”.");
    expect(field().getAttribute("aria-expanded")).toBe("false");
    expect(field().hasAttribute("aria-activedescendant")).toBe(false);
  });

  test("while an input method composes (pinyin), the list waits for the characters it commits", async () => {
    await setup();
    await ctrlK();
    act(() => void fireEvent.compositionStart(field()));
    act(() => void fireEvent.change(field(), { target: { value: "tuan" } }));
    expect(labels()).toHaveLength(5);
    expect(screen.getByTestId("quick-switcher-status").textContent).toBe("");
    act(() => void fireEvent.change(field(), { target: { value: "团" } }));
    act(() => void fireEvent.compositionEnd(field()));
    expect(labels()).toEqual(["Team 团队, Group"]);
  });

  test("Up and Down move the active option (wrapping); Enter opens it as the list's links do", async () => {
    const user = userEvent.setup();
    await setup();
    screen.getByRole("textbox", { name: "Message" }).focus();
    await ctrlK();
    await user.keyboard("{ArrowDown}");
    expect(activeLabel()).toBe("Team 团队, Group");
    expect(options()[1]?.getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{ArrowUp}{ArrowUp}");
    expect(activeLabel()).toBe("erin, Direct message, No messages yet");
    await user.keyboard("{Enter}");
    expect(window.location.hash).toBe("#/chat/dm:1:5");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  test("Page Down and Page Up move a page at most; Home and End move the field's caret, not the active option", async () => {
    const user = userEvent.setup();
    await setup();
    await ctrlK();
    await user.keyboard("{PageDown}");
    expect(activeLabel()).toBe("erin, Direct message, No messages yet");
    await user.keyboard("{PageUp}");
    expect(activeLabel()).toBe("José Bobo, @bob, Direct message");
    await user.type(field(), "a");
    const active = activeLabel();
    const caret = () => screen.getByRole<HTMLInputElement>("combobox", { name: "Conversation name" }).selectionStart;
    await user.keyboard("{Home}");
    expect(caret()).toBe(0);
    expect(activeLabel()).toBe(active);
    await user.keyboard("{End}");
    expect(caret()).toBe(1);
    expect(activeLabel()).toBe(active);
  });

  test("with nothing typed the open conversation is not the first choice: Ctrl+K, Enter goes back to the previous one", async () => {
    const user = userEvent.setup();
    await setup({ open: DM_BOB });
    await ctrlK();
    expect(labels()[0]).toBe("José Bobo, @bob, Direct message, Open now");
    expect(activeLabel()).toBe("Team 团队, Group");
    await user.keyboard("{Enter}");
    expect(window.location.hash).toBe("#/chat/group:9");
  });

  test("Escape, the close button, a click outside or Ctrl+K again close it and give focus back", async () => {
    const user = userEvent.setup();
    await setup();
    const composer = screen.getByRole("textbox", { name: "Message" });
    composer.focus();
    await ctrlK();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(composer);

    const button = screen.getByRole("button", { name: "Jump to a conversation (Ctrl+K)" });
    expect(button.getAttribute("aria-keyshortcuts")).toBe("Control+K");
    await user.click(button);
    await user.click(screen.getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button);

    composer.focus();
    await ctrlK();
    await act(() => void fireEvent.mouseDown(screen.getByRole("dialog")));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(composer);

    await ctrlK();
    expect(screen.getByRole("dialog")).toBeTruthy();
    await ctrlK();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(composer);
  });

  test("Cmd+K on Apple systems (Ctrl+K is left to the text field); nothing while another modal dialog is open", async () => {
    await setup({ apple: true });
    await ctrlK();
    expect(screen.queryByRole("dialog")).toBeNull();
    await ctrlK({ metaKey: true });
    expect(screen.getByRole("dialog")).toBeTruthy();
    await ctrlK({ metaKey: true });
    expect(screen.getByRole("button", { name: "Jump to a conversation (⌘K)" })).toBeTruthy();

    const other = document.createElement("dialog");
    document.body.append(other);
    other.setAttribute("open", "");
    await ctrlK({ metaKey: true });
    expect(screen.queryByRole("dialog", { name: "Jump to a conversation" })).toBeNull();
    other.remove();

    // The app's own modals (components/Modal.tsx) are marked aria-modal, alert dialogs too.
    const approval = document.createElement("div");
    approval.setAttribute("role", "alertdialog");
    approval.setAttribute("aria-modal", "true");
    document.body.append(approval);
    await ctrlK({ metaKey: true });
    expect(screen.queryByRole("dialog", { name: "Jump to a conversation" })).toBeNull();
    approval.remove();
  });
});
