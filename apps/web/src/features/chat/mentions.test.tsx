import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test, vi } from "vitest";
import { NO_SETTINGS, type Entry, type SealroomClient, type TextEntry } from "@sealroom/sdk/browser";
import { ConversationList } from "./ConversationList.js";
import { ConversationView } from "./ConversationView.js";
import { insertMention, matchMembers, mentionedIn, typedMention, type Mentionable } from "./mentions.js";
import { Notifier } from "./notifications.js";
import {
  BOB,
  CAROL,
  ChatFakeClient,
  DM_BOB,
  ME,
  chatHarness,
  dmSummary,
  renderChat,
  settle,
  text,
} from "./test-support.js";

const members: Mentionable[] = [
  { id: 1, username: "alice" },
  { id: 2, username: "bob", displayName: "Bob Builder" },
  { id: 3, username: "carol", displayName: "卡罗尔 Carol" },
  { id: 4, username: "bobby" },
];

/** A message as the end-to-end engine surfaces it, naming the users it mentions. */
const withMentions = (entry: TextEntry, mentions: number[]): TextEntry =>
  Object.assign({ ...entry }, { e2e: "decrypted", contentId: `id${entry.seq}`.padEnd(22, "x"), mentions });

describe("typing a mention", () => {
  test("finds the @ the caret is in: at the start or after a space or punctuation, not inside a word or address", () => {
    expect(typedMention("hi @bo", 6)).toEqual({ start: 3, query: "bo" });
    expect(typedMention("@", 1)).toEqual({ start: 0, query: "" });
    expect(typedMention("（@卡", 3)).toEqual({ start: 1, query: "卡" });
    expect(typedMention("mail me at a@bo", 15)).toBeUndefined();
    expect(typedMention("hi @bo there", 12)).toBeUndefined();
  });

  test("matches usernames and display-name words, prefixes first; never the user", () => {
    expect(matchMembers(members, "bo", 1).map((m) => m.username)).toEqual(["bob", "bobby"]);
    expect(matchMembers(members, "build", 1).map((m) => m.username)).toEqual(["bob"]);
    expect(matchMembers(members, "卡", 1).map((m) => m.username)).toEqual(["carol"]);
    expect(matchMembers(members, "arol", 1).map((m) => m.username)).toEqual(["carol"]);
    expect(matchMembers(members, "", 1)).toHaveLength(3);
    expect(matchMembers(members, "ali", 1)).toEqual([]);
  });

  test("a chosen member becomes @username and a space; the text names the members it holds", () => {
    expect(insertMention("hi @bu!", 6, { start: 3, query: "bu" }, members[1]!)).toEqual({
      text: "hi @bob !",
      caret: 8,
    });
    expect(mentionedIn("@bob and @BOBBY, not bob or @nobody; @carol.", members, 1)).toEqual([2, 4, 3]);
    expect(mentionedIn("me: @alice", members, 1)).toEqual([]);
  });
});

describe("the composer", () => {
  test("offers the conversation's members on @, keyboard-operable; the message names who it mentions", async () => {
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
    });
    const send = vi.spyOn(h.store, "send");
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const user = userEvent.setup();
    const box = screen.getByRole("textbox", { name: "Message bob" });
    await user.type(box, "thanks @b");
    const list = screen.getByRole("listbox", { name: "Members matching “b”" });
    const options = within(list).getAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual(["Bbob@bob"]);
    expect(box.getAttribute("aria-controls")).toBe(list.id);
    expect(box.getAttribute("aria-activedescendant")).toBe(options[0]!.id);
    expect(options[0]!.getAttribute("aria-selected")).toBe("true");

    // Escape closes the list and leaves the text; typing on from another @ offers again.
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("listbox")).toBeNull();
    expect((box as HTMLTextAreaElement).value).toBe("thanks @b");
    await user.clear(box);
    await user.type(box, "thanks @bo");
    await user.keyboard("{Tab}");
    expect((box as HTMLTextAreaElement).value).toBe("thanks @bob ");
    expect(document.activeElement).toBe(box);
    await user.type(box, "see you{Enter}");
    expect(send).toHaveBeenCalledWith(DM_BOB, "thanks @bob see you", { mentions: [BOB.id] });
    // No mention: no list.
    await user.type(box, "plain{Enter}");
    expect(send).toHaveBeenLastCalledWith(DM_BOB, "plain", {});
  });
});

describe("mentions on screen and in the list", () => {
  test("highlighted by the name shown, the user's own mention more so; an @word that names nobody stays text", async () => {
    const entries = [
      withMentions(text(1, BOB.id, "@alice look, @carol too, and @nobody"), [ME.id, CAROL.id]),
      withMentions(text(2, BOB.id, "just @carol"), [CAROL.id]),
    ];
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, 2, 2_000, 0, entries[1]!)] });
      c.commands["chat.history"] = () => ({ conversationId: DM_BOB, entries, lastSeq: 2, visibleFromSeq: 0 });
    });
    h.services.people.setProfiles({
      [CAROL.id]: { user: CAROL, displayName: "Carol C", about: null, avatar: null },
    } as never);
    h.services.people.setProfiles({ [ME.id]: { user: ME, displayName: null, about: null, avatar: null } } as never);
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const [first, second] = screen.getAllByTestId("message");
    expect(within(first!).getByTestId("mention-me").textContent).toBe("@alice");
    expect(within(first!).getByTestId("mention").textContent).toBe("@Carol C");
    expect(within(first!).getByTestId("mention").getAttribute("title")).toBe("@carol");
    expect(first!.textContent).toContain("@nobody");
    expect(first!.getAttribute("data-mentions-me")).toBe("true");
    expect(second!.getAttribute("data-mentions-me")).toBeNull();
  });

  test("an @ badge where unread messages mention the user, even when muted; the Mentions filter lists only those", async () => {
    const mention = withMentions(text(3, BOB.id, "@alice ping"), [ME.id]);
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [
          { ...dmSummary(BOB, 3, 3_000, 1, mention), settings: { ...NO_SETTINGS, muted: { until: null } } },
          dmSummary(CAROL, 1, 1_000, 1, { ...text(1, CAROL.id, "no mention"), conversationId: "dm:1:3" }),
        ],
      });
    });
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    await settle();
    const bob = screen.getByTestId(`conv-${DM_BOB}`);
    expect(within(bob).getByTestId("mention-badge").textContent).toBe("@You were mentioned");
    expect(within(bob).getByTestId("unread-badge").getAttribute("data-muted")).toBe("true");
    expect(within(screen.getByTestId("conv-dm:1:3")).queryByTestId("mention-badge")).toBeNull();

    const filter = screen.getByRole("button", { name: "Mentions" });
    await userEvent.click(filter);
    expect(filter.getAttribute("aria-pressed")).toBe("true");
    expect(screen.queryByTestId("conv-dm:1:3")).toBeNull();
    expect(screen.getByTestId(`conv-${DM_BOB}`)).toBeTruthy();
    // Read: no unread mention left, and the filter says so.
    h.event("chat.read.v1", {
      conversationId: DM_BOB,
      userId: ME.id,
      readSeq: 3,
      read: { readSeq: 3, unread: 0, countedSeq: 3 },
    });
    await settle();
    expect(screen.getByText("No unread mentions of you.")).toBeTruthy();
  });
});

describe("notifications", () => {
  afterEach(() => vi.restoreAllMocks());

  test("a muted conversation notifies only a message that mentions the user", () => {
    const client = new ChatFakeClient();
    const shown: string[] = [];
    const Api = function (this: { close(): void }, _title: string, opts: NotificationOptions) {
      shown.push(opts.body ?? "");
      this.close = () => undefined;
    } as unknown as typeof Notification;
    Object.assign(Api, { permission: "granted", requestPermission: async () => "granted" });
    const notifier = new Notifier(client as unknown as SealroomClient, Api);
    vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    const listeners = new Set<(entry: Entry) => void>();
    notifier.attach({
      openConversation: () => undefined,
      text: ({ sender, preview }) => ({ title: sender, body: preview }),
      open: () => undefined,
      muted: () => true,
      entries: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    });
    const { text: _, editedTs: __, deletedTs: ___, ...rest } = text(5, BOB.id, "");
    for (const seq of [5, 6])
      client.emit("event", "chat.message.created.v1", {
        entry: { ...rest, seq, kind: "mls.app", message: "AAAA" },
        sender: BOB,
        group: null,
        preview: "",
      });
    for (const l of listeners) l(withMentions(text(5, BOB.id, "quiet chatter"), [CAROL.id]));
    for (const l of listeners) l(withMentions(text(6, BOB.id, "@alice wake up"), [ME.id]));
    expect(shown).toEqual(["@alice wake up"]);
  });
});
