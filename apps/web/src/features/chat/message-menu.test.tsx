// A message's context menu (MessageMenu.tsx): which items each kind of message offers, opened by
// right click and by keyboard; Copy text and Copy link put the text and the message's link on the
// clipboard and say "Copied"; a link opens its conversation at the message; Forward sends the text
// to the conversation picked in the switcher's dialog. test/e2e/message-menu.e2e.test.ts drives the
// same in chromium against the real stack.
import { act, fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { E2eTextEntry } from "@sealroom/sdk/browser";
import { ChatScreen } from "./ChatScreen.js";
import { ConversationView } from "./ConversationView.js";
import { forwardMessage } from "./ForwardDialog.js";
import type { Language } from "../../i18n/languages.js";
import { messageLink, parseMessageLink, useMessageLinks } from "./message-link.js";
import {
  BOB,
  DM_BOB,
  ME,
  chatHarness,
  dmSummary,
  encrypted,
  groupSummary,
  refuse,
  renderChat,
  settle,
  text,
} from "./test-support.js";

const ID_A = "A".repeat(22);

async function dmWith(entries: ReturnType<typeof text>[], opts: { e2e?: boolean; language?: Language } = {}) {
  const h = await chatHarness((c) => {
    const last = entries.at(-1);
    c.commands["chat.conversations"] = () => ({
      conversations: [
        dmSummary(BOB, last?.seq ?? 0, last?.ts ?? 1, 0, last ?? null),
        groupSummary(7, "Hiking club", 3, 5),
      ],
    });
    c.commands["chat.history"] = (b) =>
      b.conversationId === DM_BOB
        ? { conversationId: DM_BOB, entries, lastSeq: last?.seq ?? 0, visibleFromSeq: 0 }
        : { conversationId: b.conversationId, entries: [], lastSeq: 0, visibleFromSeq: 0 };
    c.commands["chat.send"] = (b) => ({
      id: 900,
      conversationId: b.conversationId,
      seq: 4,
      ts: Date.UTC(2026, 10, 28, 11),
      clientMsgId: b.clientMsgId,
    });
  }, opts);
  await renderChat(<ConversationView conversationId={DM_BOB} />, h, opts.language);
  await settle();
  return h;
}

const messageAt = (seq: number) =>
  screen.getAllByTestId("message").find((m) => m.getAttribute("data-seq") === String(seq))!;
const items = () =>
  within(screen.getByRole("menu", { name: "Message actions" }))
    .getAllByRole("menuitem")
    .map((i) => i.textContent);
const rightClick = async (seq: number) => {
  fireEvent.contextMenu(messageAt(seq), { clientX: 10, clientY: 10 });
  await settle();
};

describe("a message's context menu", () => {
  test("right click offers what applies to each kind of message, and nothing on a deleted or unreadable one", async () => {
    await dmWith(
      [
        Object.assign(encrypted(text(1, BOB.id, "see you at 8"), "decrypted"), { contentId: ID_A }),
        Object.assign(encrypted(text(2, ME.id, "ok"), "decrypted"), { contentId: "B".repeat(22) }),
        Object.assign(encrypted(text(3, BOB.id, ""), "decrypted"), { contentId: "C".repeat(22), deletedTs: 9 }),
        encrypted(text(4, BOB.id, ""), "undecryptable"),
        Object.assign(encrypted(text(5, BOB.id, ""), "decrypted"), {
          contentId: "D".repeat(22),
          attachment: { blobId: "b1", name: "map.png", mime: "image/png", size: 10, key: "k", sha256: "s" },
        } as Partial<E2eTextEntry>),
      ],
      { e2e: true },
    );
    await rightClick(1);
    expect(items()).toEqual(["Reply", "React", "Copy text", "Copy link to message", "Forward…"]);
    await userEvent.setup().keyboard("{Escape}");
    await settle();
    await rightClick(2);
    expect(items()).toEqual(["Reply", "React", "Copy text", "Copy link to message", "Forward…", "Edit", "Delete"]);
    await userEvent.setup().keyboard("{Escape}");
    await settle();
    // A file without a caption: no text to copy, yet a link and a forward.
    await rightClick(5);
    expect(items()).toEqual(["Reply", "React", "Copy link to message", "Forward…"]);
    await userEvent.setup().keyboard("{Escape}");
    await settle();
    for (const seq of [3, 4]) {
      await rightClick(seq);
      expect(screen.queryByRole("menu")).toBeNull();
      expect(within(messageAt(seq)).queryByTestId("more-button")).toBeNull();
    }
  });

  test("Copy text and Copy link by keyboard: the clipboard holds them, 'Copied' is announced, focus stays on the message", async () => {
    await dmWith([text(1, BOB.id, "the **plan**"), text(2, ME.id, "noted")]);
    const user = userEvent.setup();
    const message = messageAt(1);
    message.focus();
    await user.keyboard("{Shift>}{F10}{/Shift}");
    expect(document.activeElement?.textContent).toBe("Copy text");
    await user.keyboard("{Enter}");
    await settle();
    expect(await navigator.clipboard.readText()).toBe("the **plan**");
    expect(within(message).getByRole("status").textContent).toBe("Copied");
    expect(document.activeElement).toBe(message);

    await user.keyboard("{Enter}{ArrowDown}{Enter}");
    await settle();
    const link = await navigator.clipboard.readText();
    expect(link).toBe(`${window.location.origin}${window.location.pathname}#/chat/${DM_BOB}/m/1`);
    expect(parseMessageLink(new URL(link).hash.slice(1))).toEqual({ conversationId: DM_BOB, seq: 1 });
    expect(messageLink(DM_BOB, 1)).toBe(link);
  });

  test("Forward picks a conversation in the switcher's dialog and sends the text there", async () => {
    const h = await dmWith([text(1, BOB.id, "bring water")]);
    const user = userEvent.setup();
    await rightClick(1);
    await user.click(screen.getByRole("menuitem", { name: "Forward…" }));
    const dialog = await screen.findByRole("dialog", { name: "Forward to a conversation" });
    await user.type(within(dialog).getByRole("combobox"), "hik");
    expect(
      within(dialog)
        .getAllByRole("option")
        .map((o) => o.textContent),
    ).toEqual([expect.stringContaining("Hiking club")]);
    await user.keyboard("{Enter}");
    await settle();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(h.client.bodies("chat.send")).toEqual([
      expect.objectContaining({ conversationId: "group:7", text: "bring water" }),
    ]);
    expect(within(messageAt(1)).getByRole("status").textContent).toBe("Forwarded to Hiking club");
    expect(document.activeElement).toBe(messageAt(1));
  });

  test("a forwarded message says so, in words read with it; a deleted or ordinary one does not", async () => {
    const marked = (seq: number, body: string, more: Partial<E2eTextEntry> = {}) =>
      Object.assign(encrypted(text(seq, BOB.id, body), "decrypted"), { contentId: String(seq).repeat(22), ...more });
    await dmWith(
      [
        marked(1, "bring water", { forwarded: true }),
        marked(2, "my own words"),
        marked(3, "", { forwarded: true, deletedTs: 9 }),
        marked(4, "", {
          forwarded: true,
          attachment: { blobId: "b1", name: "map.png", mime: "image/png", size: 10, key: "k", sha256: "s" },
        }),
      ],
      { e2e: true },
    );
    const description = (seq: number) =>
      document.getElementById(messageAt(seq).getAttribute("aria-describedby") ?? "")?.textContent;
    expect(within(messageAt(1)).getByTestId("message-forwarded").textContent).toBe("Forwarded");
    expect(description(1)).toBe("Forwardedbring water");
    expect(within(messageAt(4)).getByTestId("message-forwarded").textContent).toBe("Forwarded");
    for (const seq of [2, 3]) expect(within(messageAt(seq)).queryByTestId("message-forwarded")).toBeNull();
  });

  test("in Chinese the mark reads 已转发", async () => {
    const entry = Object.assign(encrypted(text(1, BOB.id, "带水"), "decrypted"), { contentId: ID_A, forwarded: true });
    await dmWith([entry], { e2e: true, language: "zh-CN" });
    expect(within(messageAt(1)).getByTestId("message-forwarded").textContent).toBe("已转发");
  });

  test("Forward asks for the mark: on the text, and on the file sealed again", async () => {
    const sent: unknown[] = [];
    const file = new Uint8Array([1, 2, 3]);
    const chat = {
      send: async (to: string, body: string, opts?: unknown) => {
        sent.push(["send", to, body, opts]);
        return { id: 1, conversationId: to, seq: 1, ts: 1, clientMsgId: "x" };
      },
      sendAttachment: async (to: string, bytes: Uint8Array | Blob, meta: unknown) => {
        sent.push(["sendAttachment", to, bytes, meta]);
        return { id: 2, conversationId: to, seq: 2, ts: 2, clientMsgId: "y" };
      },
      downloadAttachment: async () => file,
    };
    await forwardMessage(chat, text(1, BOB.id, "bring water"), "group:7");
    const attachment = { blobId: "b1", name: "map.png", mime: "image/png", size: 3, key: "k", sha256: "s" };
    const withFile: E2eTextEntry = { ...text(2, BOB.id, "the route"), e2e: "decrypted", contentId: ID_A, attachment };
    await forwardMessage(chat, withFile, "group:7");
    expect(sent).toEqual([
      ["send", "group:7", "bring water", { forwarded: true }],
      [
        "sendAttachment",
        "group:7",
        file,
        { name: "map.png", mime: "image/png", caption: "the route", forwarded: true },
      ],
    ]);
  });

  test("a message link opens the conversation at the message; one to a conversation the user cannot see says so", async () => {
    const entries = Array.from({ length: 5 }, (_, i) => text(i + 1, BOB.id, `m${i + 1}`));
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, 5, 5, 0, entries[4]!)] });
      c.commands["chat.history"] = (b) => {
        if (b.conversationId === DM_BOB) return { conversationId: DM_BOB, entries, lastSeq: 5, visibleFromSeq: 0 };
        return refuse("FORBIDDEN")();
      };
    });
    function Links() {
      useMessageLinks();
      return null;
    }
    await renderChat(
      <>
        <Links />
        <ConversationView conversationId={DM_BOB} />
        <ChatScreen conversationId={undefined} />
      </>,
      h,
    );
    await settle();
    const follow = async (hash: string) => {
      act(() => {
        window.location.hash = hash;
      });
      await settle();
    };
    await follow(`#/chat/${DM_BOB}/m/3`);
    // The hash is the conversation's again, so following the same link later is a change again.
    expect(window.location.hash).toBe(`#/chat/${DM_BOB}`);
    expect(document.activeElement).toBe(messageAt(3));
    expect(messageAt(3).hasAttribute("data-found")).toBe(true);
    expect(screen.queryByTestId("link-unavailable")).toBeNull();

    await follow("#/chat/group:99/m/1");
    expect(window.location.hash).toBe("#/");
    expect(screen.getByTestId("link-unavailable").textContent).toBe("That link is to a conversation you cannot see.");
    expect(screen.getByTestId("link-unavailable").getAttribute("role")).toBe("alert");
  });
});
