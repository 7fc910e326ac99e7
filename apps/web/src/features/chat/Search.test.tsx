import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import { ConversationList } from "./ConversationList.js";
import { useMessageLinks } from "./message-link.js";
import { BOB, CAROL, DM_BOB, chatHarness, dmSummary, groupSummary, renderChat, settle, text } from "./test-support.js";

const names = () =>
  screen
    .queryAllByRole("link")
    .flatMap((a) => (a.matches(".search-hit") ? [] : [a.querySelector(".conv-name")?.textContent]));
const hits = () => screen.queryAllByTestId("search-hit");
const marks = () => hits().map((h) => [...h.querySelectorAll("mark")].map((m) => m.textContent));

/** bob's DM holds 40 messages; the newest is in the list's summary, the rest come with history. */
async function history() {
  const entries = Array.from({ length: 39 }, (_, i) =>
    text(i + 1, i % 2 === 0 ? BOB.id : 1, i === 4 ? "remember the lighthouse 灯塔 trip" : `filler message ${i + 1}`),
  );
  const h = await chatHarness(
    (c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [
          dmSummary(BOB, 40, 5_000, 0, text(40, BOB.id, "see you at the station, 车站见")),
          groupSummary(9, "Team 团队", 3, 2_000),
          dmSummary(CAROL, 1, 500, 0, text(1, 1, "hi carol, station later?", { conversationId: "dm:1:3" })),
        ],
      });
      c.commands["chat.history"] = (b) => {
        const before = Number(b.beforeSeq ?? 41);
        const page = entries.filter((e) => e.seq < before).slice(-Number(b.limit ?? 50));
        return { conversationId: DM_BOB, entries: page, lastSeq: 40, visibleFromSeq: 0 };
      };
    },
    { search: true },
  );
  // The index (and MiniSearch, imported on first use) loads after the sign-in.
  await vi.waitFor(() => expect(h.store.search?.ready).toBe(true));
  return h;
}

/** The list with the signed-in frame's message-link follower, which a result's link goes through. */
function ListAndLinks() {
  useMessageLinks();
  return <ConversationList activeId={undefined} pageHeading />;
}

describe("search", () => {
  test("the box filters the conversation list by name and lists messages found, with the words marked", async () => {
    const h = await history();
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    await settle();
    const user = userEvent.setup();
    const box = screen.getByRole("searchbox", { name: "Search conversations and messages" });

    await user.type(box, "团队");
    expect(names()).toEqual(["Team 团队"]);
    expect(screen.getByTestId("search-count").textContent).toBe("No messages found on this device.");

    await user.clear(box);
    await user.type(box, "station");
    expect(screen.getByText("No conversation matches that name.")).toBeTruthy();
    expect(screen.getByTestId("search-count").textContent).toBe("Messages found: 2");
    // Newest first: bob's (5,000) before carol's.
    expect(marks()).toEqual([["station"], ["station"]]);
    expect(hits()[0]!.querySelector(".conv-name")?.textContent).toBe("bob");
    expect(hits()[1]!.textContent).toContain("carol · You");

    await user.clear(box);
    await user.type(box, "车站");
    expect(marks()).toEqual([["车站"]]);

    // Filters: carol's conversation has no "station" from bob; sent by the user, it is found.
    await user.clear(box);
    await user.type(box, "station");
    await user.click(screen.getByText("Filters"));
    await user.selectOptions(screen.getByTestId("search-filter-conversation"), "dm:1:3");
    expect(hits()).toHaveLength(1);
    await user.selectOptions(screen.getByTestId("search-filter-sender"), String(BOB.id));
    expect(screen.getByTestId("search-count").textContent).toBe("No messages found on this device.");
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(hits()).toHaveLength(2);
    // A date range that ends before the messages were sent.
    await user.type(screen.getByTestId("search-filter-to"), "1970-01-01");
    expect(hits()).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Clear filters" }));

    // Escape empties the box: the whole list again, no results section.
    await user.type(box, "{Escape}");
    expect(names()).toEqual(["bob", "Team 团队", "carol"]);
    expect(screen.queryByTestId("search-results")).toBeNull();
  });

  test("history loaded later is found; a result opens its conversation and loads the history around the message", async () => {
    const h = await history();
    await renderChat(<ListAndLinks />, h);
    await settle();
    const user = userEvent.setup();
    const box = screen.getByRole("searchbox");
    await user.type(box, "lighth");
    expect(hits()).toHaveLength(0);

    await h.store.loadOlder(DM_BOB, 10); // seqs 30-39: not it yet
    await settle();
    expect(hits()).toHaveLength(0);
    expect(await h.store.loadAround(DM_BOB, 5, 3)).toBe(true);
    await settle();
    expect(marks()).toEqual([["lighthouse"]]);
    expect(within(hits()[0]!).getByTestId("search-snippet").textContent).toBe("remember the lighthouse 灯塔 trip");

    // Down from the box goes to the first link (the result here); Enter opens the conversation.
    await user.clear(box);
    await user.type(box, "灯塔");
    await user.keyboard("{ArrowDown}");
    expect(document.activeElement).toBe(hits()[0]);
    expect(hits()[0]!.getAttribute("href")).toMatch(new RegExp(`^#/chat/${DM_BOB}/m/5(\\?|$)`));
    await user.keyboard("{Enter}");
    await settle();
    // The link to the message, replaced by its conversation's address once followed; the search stays.
    await waitFor(() => expect(window.location.hash).toBe(`#/chat/${DM_BOB}?q=${encodeURIComponent("灯塔")}`));
    expect(screen.getByRole<HTMLInputElement>("searchbox").value).toBe("灯塔");
  });

  test("the search is in the address: a reload restores it and its results; Back returns to before it", async () => {
    const h = await history();
    window.location.hash = `#/chat/${DM_BOB}?q=station&by=${BOB.id}`;
    await renderChat(<ConversationList activeId={DM_BOB} pageHeading={false} />, h);
    await settle();
    const box = screen.getByRole<HTMLInputElement>("searchbox");
    expect(box.value).toBe("station");
    // Bob's "station" only: the sender filter came from the address too.
    expect(hits()).toHaveLength(1);
    expect(screen.getByTestId<HTMLSelectElement>("search-filter-sender").value).toBe(String(BOB.id));
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(window.location.hash).toBe(`#/chat/${DM_BOB}?q=station`);
    expect(hits()).toHaveLength(2);

    // Typing writes the address once it pauses; a new search is an entry of its own.
    await user.clear(box);
    await waitFor(() => expect(window.location.hash).toBe(`#/chat/${DM_BOB}`));
    await user.type(box, "lighthouse");
    await waitFor(() => expect(window.location.hash).toBe(`#/chat/${DM_BOB}?q=lighthouse`));
    await user.type(box, " trip");
    await waitFor(() => expect(window.location.hash).toBe(`#/chat/${DM_BOB}?q=lighthouse+trip`));
    // Back: the conversation without a search (refining replaced the entry: one Back, not two).
    await act(async () => {
      window.history.back();
      await new Promise((r) => setTimeout(r, 50));
    });
    expect(window.location.hash).toBe(`#/chat/${DM_BOB}`);
    expect(box.value).toBe("");
    expect(screen.queryByTestId("search-results")).toBeNull();
  });

  test.each([
    { link: "a result", query: "station", follow: () => hits()[0]! },
    { link: "a conversation found by name", query: "bo", follow: () => screen.getByTestId(`conv-${DM_BOB}`) },
  ])(
    "$link followed before the box writes the address keeps the query there, with the same history",
    async ({ query, follow }) => {
      const h = await history();
      window.location.hash = "#/";
      await renderChat(<ListAndLinks />, h);
      await settle();
      const user = userEvent.setup();
      const box = screen.getByRole<HTMLInputElement>("searchbox");
      // Typed and followed well within the box's 300-ms pause.
      await user.type(box, query);
      await user.click(follow());
      await settle();
      const opened = `#/chat/${DM_BOB}?q=${query}`;
      expect(window.location.hash).toBe(opened);
      // Nothing written later either (the pause has passed by then).
      await act(() => new Promise((r) => setTimeout(r, 400)));
      expect(window.location.hash).toBe(opened);
      expect(box.value).toBe(query);

      // Back: the search, as typed, then where the user was before it.
      await act(async () => {
        window.history.back();
        await new Promise((r) => setTimeout(r, 50));
      });
      expect(window.location.hash).toBe(`#/?q=${query}`);
      expect(box.value).toBe(query);
      expect(screen.getByTestId("search-results")).toBeTruthy();
      await act(async () => {
        window.history.back();
        await new Promise((r) => setTimeout(r, 50));
      });
      expect(window.location.hash).toBe("#/");
      expect(box.value).toBe("");
      expect(screen.queryByTestId("search-results")).toBeNull();
    },
  );

  test("an address's filters that do not parse are left out", async () => {
    const h = await history();
    window.location.hash = "#/?q=station&by=bob&after=yesterday&in=nowhere";
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    await settle();
    expect(hits()).toHaveLength(2);
    expect(screen.getByTestId<HTMLSelectElement>("search-filter-sender").value).toBe("");
  });

  test("without the search option the box only filters by name", async () => {
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [dmSummary(BOB, 1, 1_000, 0, text(1, BOB.id, "hello")), groupSummary(9, "Team", 3, 2_000)],
      });
    });
    await renderChat(<ConversationList activeId={undefined} pageHeading />, h);
    await settle();
    const user = userEvent.setup();
    await user.type(screen.getByRole("searchbox", { name: "Search conversations" }), "BO");
    expect(names()).toEqual(["bob"]);
    expect(screen.queryByTestId("search-results")).toBeNull();
  });
});
