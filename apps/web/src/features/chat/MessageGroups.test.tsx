import { screen, within } from "@testing-library/react";
import { expect, test } from "vitest";
import type { TimelineEntry } from "@sealroom/sdk/browser";
import { ConversationView } from "./ConversationView.js";
import { timeLabel } from "./format.js";
import {
  BOB,
  CAROL,
  ME,
  chatHarness,
  groupSummary,
  renderChat,
  settle,
  text,
  trioGroupDetails,
} from "./test-support.js";

const GID = "group:9";

/** Group "Trip" of the user, bob ("Bobby") and carol ("Caro") holding `entries`, rendered. */
async function groupWith(entries: TimelineEntry[]) {
  const last = entries.at(-1);
  if (!last) throw new Error("a group with no entries");
  const h = await chatHarness((c) => {
    c.commands["chat.conversations"] = () => ({
      conversations: [{ ...groupSummary(9, "Trip", last.seq, last.ts), last }],
    });
    c.commands["chat.history"] = () => ({ conversationId: GID, entries, lastSeq: last.seq, visibleFromSeq: 0 });
    c.commands["social.groups.get"] = trioGroupDetails;
  });
  await renderChat(<ConversationView conversationId={GID} />, h);
  await settle();
}

const inGroup = (seq: number, senderId: number, body: string, opts: Parameters<typeof text>[3] = {}) => ({
  ...text(seq, senderId, body, opts),
  conversationId: GID,
});

test("a run of one sender's messages shows the name and avatar once; every message still names sender and time", async () => {
  await groupWith([
    inGroup(1, CAROL.id, "first"),
    inGroup(2, CAROL.id, "second", { deletedTs: Date.UTC(2026, 10, 28, 10) }),
    inGroup(3, CAROL.id, "third"),
    inGroup(4, ME.id, "mine"),
    inGroup(5, ME.id, "mine again"),
    inGroup(6, BOB.id, "bob's"),
  ]);
  const messages = screen.getAllByTestId("message");
  expect(messages).toHaveLength(6);
  // One name (and one avatar) for carol's three, the deleted one among them; bob's is a group of its own.
  expect([...document.querySelectorAll(".msg-sender")].map((e) => e.textContent)).toEqual(["Caro", "Bobby"]);
  expect(messages.map((m) => m.querySelector(".avatar") !== null)).toEqual([true, false, false, false, false, true]);
  expect(messages.map((m) => m.classList.contains("msg-first"))).toEqual([true, false, false, true, false, true]);

  // A screen reader hears who and when on each, shown or not; the content is the description.
  const at = (seq: number) => timeLabel(Date.UTC(2026, 10, 28, 9, seq), "en");
  expect(screen.getAllByRole("article").map((m) => m.getAttribute("aria-label"))).toEqual([
    `Caro, ${at(1)}`,
    `Caro, ${at(2)}`,
    `Caro, ${at(3)}`,
    `You, ${at(4)}`,
    `You, ${at(5)}`,
    `Bobby, ${at(6)}`,
  ]);
  const third = screen.getByRole("article", { name: `Caro, ${at(3)}` });
  expect(document.getElementById(third.getAttribute("aria-describedby") ?? "")?.textContent).toBe("third");
  expect(
    within(screen.getByRole("article", { name: `Caro, ${at(2)}` })).getByText("This message was deleted."),
  ).toBeTruthy();
  // The time of a following message is there (shown on hover and focus), in its own part of the line.
  expect(third.querySelector(".msg-stamp time")?.textContent).toBe(at(3));
});
