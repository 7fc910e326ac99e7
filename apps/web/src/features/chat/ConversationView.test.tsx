import { useState } from "react";
import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { MyGroup } from "@sealroom/proto/social";
import { SocialProvider } from "../social/index.js";
import { myGroup, showingSocial } from "../social/testing.js";
import { ConversationView } from "./ConversationView.js";
import {
  BOB,
  CAROL,
  DM_BOB,
  ME,
  chatHarness,
  dmSummary,
  groupSummary,
  refuse,
  renderChat,
  settle,
  text,
  trioGroupDetails,
} from "./test-support.js";

function ackFor(seq: number) {
  return (b: Record<string, unknown>) => ({
    id: 500 + seq,
    conversationId: b.conversationId,
    seq,
    ts: Date.UTC(2026, 10, 28, 10, seq),
    clientMsgId: b.clientMsgId,
  });
}

/** A DM with bob holding `entries`, ready to render. */
async function dmWith(entries: ReturnType<typeof text>[], setup: Parameters<typeof chatHarness>[0] = () => undefined) {
  return chatHarness((c) => {
    const last = entries.at(-1)!;
    c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, last.seq, last.ts, 0, last)] });
    c.commands["chat.history"] = () => ({ conversationId: DM_BOB, entries, lastSeq: last.seq, visibleFromSeq: 0 });
    setup(c);
  });
}

describe("composer", () => {
  test("Enter sends, Shift+Enter adds a line, and the message shows as sending until the server has it", async () => {
    let release!: () => void;
    const h = await dmWith([text(1, BOB.id, "hi")], (c) => {
      c.commands["chat.send"] = (b) => new Promise((resolve) => (release = () => resolve(ackFor(2)(b))));
    });
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const user = userEvent.setup();
    const box = screen.getByRole("textbox", { name: "Message bob" });
    await user.type(box, "first line{Shift>}{Enter}{/Shift}second line");
    expect(h.client.bodies("chat.send")).toHaveLength(0);
    await user.type(box, "{Enter}");
    expect((box as HTMLTextAreaElement).value).toBe("");
    await settle();
    expect(h.client.bodies("chat.send").map((b) => b.text)).toEqual(["first line\nsecond line"]);
    const pending = screen.getByTestId("pending-message");
    expect(within(pending).getByText("Sending…")).toBeTruthy();

    // The live event of the message can come before the reply to the send: it is shown once.
    const [sent] = h.client.bodies("chat.send");
    h.event("chat.message.created.v1", {
      entry: text(2, ME.id, "first line\nsecond line", { clientMsgId: String(sent!.clientMsgId) }),
      sender: ME,
      group: null,
      preview: "",
    });
    await settle();
    expect(screen.queryByTestId("pending-message")).toBeNull();
    expect(screen.getAllByText("first line second line", { normalizer: (t) => t.replace(/\s+/g, " ") })).toHaveLength(
      1,
    );

    await act(async () => release());
    await settle();
    expect(screen.queryByTestId("pending-message")).toBeNull();
    const mine = screen.getAllByTestId("message").at(-1)!;
    expect(mine.textContent).toContain("first line\nsecond line");
    expect(within(mine).getByTestId("message-status").textContent).toBe("Sent");
  });

  test("Enter while an input method is composing does not send; blank text never sends", async () => {
    const h = await dmWith([text(1, BOB.id, "hi")], (c) => (c.commands["chat.send"] = ackFor(2)));
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const box = screen.getByRole("textbox", { name: "Message bob" });
    const user = userEvent.setup();
    await user.type(box, "nihao");
    act(() => {
      box.dispatchEvent(
        new KeyboardEvent("keydown", { key: "Enter", bubbles: true, isComposing: true } as KeyboardEventInit),
      );
    });
    expect((box as HTMLTextAreaElement).value).toBe("nihao");
    await user.clear(box);
    await user.type(box, "   {Enter}");
    await settle();
    expect(h.client.bodies("chat.send")).toHaveLength(0);
    expect(screen.getByRole("button", { name: "Send" }).hasAttribute("disabled")).toBe(true);
  });

  test("each conversation keeps its own draft", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, 0, 0), dmSummary(CAROL, 0, 0)] });
    });
    function Switcher() {
      const [id, setId] = useState(DM_BOB);
      return (
        <>
          <button type="button" onClick={() => setId(id === DM_BOB ? "dm:1:3" : DM_BOB)}>
            switch
          </button>
          <ConversationView key={id} conversationId={id} />
        </>
      );
    }
    await renderChat(<Switcher />, h);
    const user = userEvent.setup();
    await user.type(screen.getByRole("textbox", { name: "Message bob" }), "for bob");
    await user.click(screen.getByRole("button", { name: "switch" }));
    const carolBox = screen.getByRole("textbox", { name: "Message carol" }) as HTMLTextAreaElement;
    expect(carolBox.value).toBe("");
    await user.type(carolBox, "for carol");
    await user.click(screen.getByRole("button", { name: "switch" }));
    expect((screen.getByRole("textbox", { name: "Message bob" }) as HTMLTextAreaElement).value).toBe("for bob");
    await user.click(screen.getByRole("button", { name: "switch" }));
    expect((screen.getByRole("textbox", { name: "Message carol" }) as HTMLTextAreaElement).value).toBe("for carol");
  });
});

describe("message states", () => {
  test("a DM message becomes read when the partner's pointer passes it; typing shows and clears", async () => {
    const h = await dmWith([text(1, BOB.id, "hi"), text(2, ME.id, "hello bob")]);
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    expect(screen.getByTestId("message-status").textContent).toBe("Sent");
    h.event("chat.read.v1", { conversationId: DM_BOB, userId: BOB.id, readSeq: 2 });
    await settle();
    expect(screen.getByTestId("message-status").textContent).toBe("Read");

    h.event("typing.started.v1", { conversationId: DM_BOB, user: BOB });
    await settle();
    expect(screen.getByTestId("typing").textContent).toBe("bob is typing…");
    h.event("chat.message.created.v1", { entry: text(3, BOB.id, "ok"), sender: BOB, group: null, preview: "ok" });
    await settle();
    expect(screen.getByTestId("typing").textContent).toBe("");
    // Shown while visible: marked read up to the newest entry.
    expect(h.client.bodies("chat.markRead").at(-1)).toEqual({ conversationId: DM_BOB, seq: 3 });
  });

  test("a group message counts its readers, and system entries read as sentences", async () => {
    const gid = "group:9";
    const entries = [
      {
        kind: "system" as const,
        id: 1,
        conversationId: gid,
        seq: 1,
        ts: Date.UTC(2026, 10, 27, 9),
        event: {
          groupEventId: 1,
          type: "created" as const,
          actor: ME,
          target: null,
          name: "Trip",
          role: "owner" as const,
        },
      },
      {
        kind: "system" as const,
        id: 2,
        conversationId: gid,
        seq: 2,
        ts: Date.UTC(2026, 10, 27, 9, 1),
        event: { groupEventId: 2, type: "joined" as const, actor: BOB, target: BOB, role: "member" as const },
      },
      { ...text(3, CAROL.id, "carol here"), conversationId: gid },
      { ...text(4, ME.id, "who's in?"), conversationId: gid },
    ];
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [{ ...groupSummary(9, "Trip", 4, entries[3]!.ts), last: entries[3] }],
      });
      c.commands["chat.history"] = () => ({ conversationId: gid, entries, lastSeq: 4, visibleFromSeq: 0 });
      c.commands["chat.receipts"] = () => ({
        conversationId: gid,
        receipts: [
          { userId: ME.id, readSeq: 4 },
          { userId: BOB.id, readSeq: 4 },
          { userId: CAROL.id, readSeq: 3 },
        ],
      });
      c.commands["social.groups.get"] = trioGroupDetails;
    });
    await renderChat(<ConversationView conversationId={gid} />, h);
    await settle();
    expect(screen.getAllByTestId("system-entry").map((e) => e.textContent)).toEqual([
      "alice created the group “Trip”",
      "Bobby joined the group", // system entries name people as the rest of the app does
    ]);
    expect(screen.getByTestId("message-status").textContent).toBe("Read by 1");
    // The sender's name over their message: the display name the group read showed.
    expect(screen.getByText("Caro")).toBeTruthy();
    h.event("chat.read.v1", { conversationId: gid, userId: CAROL.id, readSeq: 4 });
    await settle();
    expect(screen.getByTestId("message-status").textContent).toBe("Read by 2");
  });

  test("a refused message says why in words and can be retried or discarded", async () => {
    const h = await dmWith([text(1, BOB.id, "hi")], (c) => (c.commands["chat.send"] = refuse("FORBIDDEN")));
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const user = userEvent.setup();
    await user.type(screen.getByRole("textbox", { name: "Message bob" }), "still there?{Enter}");
    await settle();
    const failed = screen.getByTestId("pending-message");
    expect(within(failed).getByRole("alert").textContent).toBe(
      "Not sent: You cannot message this person: you are no longer friends, or one of you blocked the other.",
    );
    h.client.commands["chat.send"] = ackFor(2);
    await user.click(within(failed).getByRole("button", { name: "Retry" }));
    await settle();
    expect(screen.queryByTestId("pending-message")).toBeNull();
    expect(screen.getAllByTestId("message").at(-1)!.textContent).toContain("still there?");
  });

  test("own messages can be edited in place and deleted after a confirmation", async () => {
    const h = await dmWith([text(1, BOB.id, "hi"), text(2, ME.id, "helo")], (c) => {
      c.commands["chat.edit"] = (b) => ({
        id: 600,
        conversationId: DM_BOB,
        seq: 3,
        ts: Date.UTC(2026, 10, 28, 11),
        targetSeq: b.seq,
      });
      c.commands["chat.delete"] = (b) => ({
        id: 601,
        conversationId: DM_BOB,
        seq: 4,
        ts: Date.UTC(2026, 10, 28, 12),
        targetSeq: b.seq,
      });
    });
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const user = userEvent.setup();
    const [theirs, mine] = screen.getAllByTestId("message");
    expect(within(theirs!).queryByRole("button", { name: "Edit" })).toBeNull();

    await user.click(within(mine!).getByRole("button", { name: "Edit" }));
    const edit = screen.getByRole("textbox", { name: "Edit your message" });
    expect(document.activeElement).toBe(edit);
    await user.clear(edit);
    await user.type(edit, "hello{Enter}");
    await settle();
    expect(h.client.bodies("chat.edit")).toEqual([{ conversationId: DM_BOB, seq: 2, text: "hello" }]);
    expect(screen.getAllByTestId("message")[1]!.textContent).toContain("hello");
    expect(screen.getAllByTestId("message")[1]!.textContent).toContain("edited");

    await user.click(within(screen.getAllByTestId("message")[1]!).getByRole("button", { name: "Delete" }));
    expect(screen.getByText("Delete this message for everyone?")).toBeTruthy();
    expect(document.activeElement?.textContent).toBe("Cancel"); // the safe choice has focus
    expect(h.client.bodies("chat.delete")).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Delete" }));
    await settle();
    expect(h.client.bodies("chat.delete")).toEqual([{ conversationId: DM_BOB, seq: 2 }]);
    expect(screen.getByText("This message was deleted.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole("textbox", { name: "Message bob" }));
  });

  test("what was unread at opening is marked with a divider before the first unread message", async () => {
    const entries = [
      text(1, BOB.id, "seen"),
      text(2, ME.id, "mine"),
      text(3, BOB.id, "unread one"),
      text(4, BOB.id, "unread two"),
    ];
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, 4, entries[3]!.ts, 2, entries[3]!)] });
      c.commands["chat.history"] = () => ({ conversationId: DM_BOB, entries, lastSeq: 4, visibleFromSeq: 0 });
    });
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const order = [
      ...screen.getByTestId("timeline").querySelectorAll("[data-testid=message], [data-testid=unread-divider]"),
    ].map((e) => e.querySelector(".msg-text")?.textContent ?? e.textContent);
    expect(order).toEqual(["seen", "mine", "New", "unread one", "unread two"]);
  });

  test("messages are grouped under day separators, and the beginning is marked", async () => {
    const h = await dmWith([
      text(1, BOB.id, "old", { ts: Date.UTC(2026, 0, 5, 12) }),
      text(2, BOB.id, "new", { ts: Date.now() }),
    ]);
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const separators = screen.getAllByRole("separator").map((s) => s.textContent);
    expect(separators).toHaveLength(2);
    expect(separators[1]).toBe("Today");
    expect(separators[0]).toMatch(/January 5/);
    expect(screen.getByText("This is the beginning of your conversation.")).toBeTruthy();
  });
});

describe("a group the user is no longer in", () => {
  const socialWith = (groups: MyGroup[]) => showingSocial({ groups }).store;

  test("offers no composer, and says so", async () => {
    const h = await chatHarness((c) => (c.commands["chat.receipts"] = refuse("NOT_FOUND")));
    await renderChat(
      <SocialProvider store={socialWith([])}>
        <ConversationView conversationId="group:9" />
      </SocialProvider>,
      h,
    );
    await settle();
    expect(screen.getByText("This conversation is no longer available to you.")).toBeTruthy();
    expect(screen.queryByRole("textbox")).toBeNull();
  });

  test("a group the user is in keeps its composer while the chat store catches up", async () => {
    const h = await chatHarness();
    await renderChat(
      <SocialProvider store={socialWith([myGroup(9, "Trip")])}>
        <ConversationView conversationId="group:9" />
      </SocialProvider>,
      h,
    );
    await settle();
    expect(screen.getByRole("textbox")).toBeTruthy();
  });
});
