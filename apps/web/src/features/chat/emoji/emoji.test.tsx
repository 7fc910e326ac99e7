/** Emoji in the composer: shortcodes as you type, their suggestions, and the picker, by keyboard. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, describe, expect, test } from "vitest";
import { SocialProvider } from "../../social/index.js";
import { showingSocial } from "../../social/testing.js";
import { ConversationView } from "../ConversationView.js";
import { BOB, DM_BOB, chatHarness, dmSummary, renderChat, settle, text } from "../test-support.js";
import { buildIndex, loadShortcodes, replaceFinished, typedShortcode } from "./shortcodes.js";

beforeAll(() => loadShortcodes());

const friends = showingSocial({
  friends: [{ user: BOB, since: 1, presence: { online: true, lastSeenAt: null } }],
}).store;

async function openDm() {
  const first = text(1, BOB.id, "hi");
  const h = await chatHarness((c) => {
    c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, 1, first.ts, 0, first)] });
    c.commands["chat.history"] = () => ({ conversationId: DM_BOB, entries: [first], lastSeq: 1, visibleFromSeq: 0 });
    c.commands["chat.send"] = (b) => ({
      id: 502,
      conversationId: b.conversationId,
      seq: 2,
      ts: first.ts + 1000,
      clientMsgId: b.clientMsgId,
    });
  });
  await renderChat(
    <SocialProvider store={friends}>
      <ConversationView conversationId={DM_BOB} />
    </SocialProvider>,
    h,
  );
  await settle();
  const box = screen.getByRole<HTMLTextAreaElement>("textbox", { name: "Message bob" });
  return { h, box, user: userEvent.setup() };
}

describe("shortcodes", () => {
  const index = buildIndex([
    { emoji: "😄", names: ["smile"] },
    { emoji: "😃", names: ["smiley"] },
    { emoji: "😼", names: ["smirk_cat"] },
    { emoji: "🙂", names: ["slightly_smiling_face"] },
  ]);

  test("search: names that start with the query first, the shortest first; then names containing it", () => {
    expect(index.search("smi").map((s) => s.name)).toEqual(["smile", "smiley", "smirk_cat", "slightly_smiling_face"]);
    expect(index.search("cat").map((s) => s.emoji)).toEqual(["😼"]);
    expect(index.search("nothing")).toEqual([]);
  });

  test("a shortcode is one from two characters on, at the start of a word; times and words are not", () => {
    expect(typedShortcode("hi :sm", 6)).toEqual({ start: 3, query: "sm" });
    expect(typedShortcode(":s", 2)).toBeUndefined();
    expect(typedShortcode("at 10:30", 8)).toBeUndefined();
    expect(typedShortcode("see:smile", 9)).toBeUndefined();
  });

  test("a finished known shortcode becomes its emoji; an unknown one stays as typed", () => {
    expect(replaceFinished("ok :smile: now", 10, index)).toEqual({ text: "ok 😄 now", caret: 5 });
    expect(replaceFinished("ok :nope:", 9, index)).toBeUndefined();
    expect(replaceFinished("a:smile:", 8, index)).toBeUndefined();
  });

  test("typed in the composer: `:tada:` becomes 🎉, and that is what is sent", async () => {
    const { h, box, user } = await openDm();
    await user.type(box, "done :tada: yes");
    expect(box.value).toBe("done 🎉 yes");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(h.client.bodies("chat.send").map((b) => b.text)).toEqual(["done 🎉 yes"]));
  });

  test("suggestions by keyboard wrap at the ends; Home and End stay the caret's; a click chooses and the caret stays in the box", async () => {
    const { h, box, user } = await openDm();
    await user.type(box, "so :hear");
    const options = () => within(screen.getByRole("listbox")).getAllByRole("option");
    const active = () => box.getAttribute("aria-activedescendant");
    await waitFor(() => expect(active()).toBe(options()[0]!.id));
    expect(options().length).toBeGreaterThan(2);
    // Up from the first goes round to the last, Down from there back to the first.
    await user.keyboard("{ArrowUp}");
    expect(active()).toBe(options().at(-1)!.id);
    expect(options().at(-1)!.getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{ArrowDown}");
    expect(active()).toBe(options()[0]!.id);
    // Home and End are the text box's: they move the caret, not the active option.
    await user.keyboard("{Home}");
    expect(box.selectionStart).toBe(0);
    await user.keyboard("{End}");
    expect(box.selectionStart).toBe(box.value.length);
    await screen.findByRole("listbox");
    const second = options()[1]!;
    const glyph = second.querySelector(".emoji-suggestion-glyph")!.textContent!;
    await user.click(second);
    expect(box.value).toBe(`so ${glyph} `);
    expect(document.activeElement).toBe(box);
    expect(box.selectionStart).toBe(box.value.length);
    expect(h.client.bodies("chat.send")).toEqual([]);
  });

  test("suggestions after two letters: arrows move, Enter chooses (and does not send), Escape closes", async () => {
    const { h, box, user } = await openDm();
    await user.type(box, "hi :thumbsu");
    const list = await screen.findByRole("listbox");
    const options = within(list).getAllByRole("option");
    expect(options[0]!.textContent).toContain(":thumbsup:");
    expect(box.getAttribute("aria-activedescendant")).toBe(options[0]!.id);
    await user.keyboard("{Enter}");
    expect(box.value).toBe("hi 👍 ");
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(h.client.bodies("chat.send")).toEqual([]);

    await user.type(box, ":hear");
    await screen.findByRole("listbox");
    await user.keyboard("{ArrowDown}");
    const second = within(screen.getByRole("listbox")).getAllByRole("option")[1]!;
    expect(second.getAttribute("aria-selected")).toBe("true");
    expect(box.getAttribute("aria-activedescendant")).toBe(second.id);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(box.value).toBe("hi 👍 :hear");
    // Escape closed the list: Enter now sends what is typed.
    await user.keyboard("{Enter}");
    await waitFor(() => expect(h.client.bodies("chat.send").map((b) => b.text)).toEqual(["hi 👍 :hear"]));
  });
});

describe("the emoji picker", () => {
  // jsdom lays nothing out, so the picker's virtualised grid shows no cell here: picking one by
  // keyboard is covered in chromium (test/e2e/formatting.e2e.test.ts).
  test("opens from the keyboard with the search focused; Escape closes it and gives focus back", async () => {
    const { box, user } = await openDm();
    const button = screen.getByRole("button", { name: "Emoji" });
    expect(button.getAttribute("aria-expanded")).toBe("false");
    button.focus();
    await user.keyboard("{Enter}");
    expect(button.getAttribute("aria-expanded")).toBe("true");
    const dialog = screen.getByRole("dialog", { name: "Emoji picker" });
    const search = await within(dialog).findByRole(
      "combobox",
      { name: "Type to search for an emoji" },
      { timeout: 15_000 },
    );
    await waitFor(() => expect(document.activeElement).toBe(search));
    expect(search.getAttribute("placeholder")).toBe("Search emoji");
    await user.keyboard("cat");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(button.getAttribute("aria-expanded")).toBe("false");

    // A click outside closes it too; the message box keeps what was typed.
    await user.keyboard("{Enter}");
    await screen.findByRole("dialog");
    await user.click(box);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(box.value).toBe("");
  }, 30_000);
});
