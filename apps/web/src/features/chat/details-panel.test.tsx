/**
 * A group's details panel from its conversation (issue #16): the header's button and the group's
 * name open it through the route, focus moves into it and back to the opener when it closes, and an
 * old group/<id> link lands on it.
 */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Outlet } from "react-router";
import { describe, expect, onTestFinished, test } from "vitest";
import { signedInRoutes } from "../../app/routes.js";
import { EMPTY_OVERVIEW } from "../social/testing.js";
import { SocialProvider } from "../social/index.js";
import { ConversationList } from "./ConversationList.js";
import {
  BOB,
  ME,
  chatHarness,
  groupSummary,
  refuse,
  renderChat,
  settle,
  text,
  trioGroupDetails,
} from "./test-support.js";

const GID = "group:9";

async function trip(setup: Parameters<typeof chatHarness>[0] = () => undefined, opts: { list?: boolean } = {}) {
  const last = { ...text(1, BOB.id, "hi all"), conversationId: GID };
  const group = { id: 9, name: "Trip", ownerId: ME.id, memberCount: 3, version: 1, createdAt: 1, disbandedAt: null };
  const h = await chatHarness((c) => {
    c.commands["chat.conversations"] = () => ({ conversations: [{ ...groupSummary(9, "Trip", 1, last.ts), last }] });
    c.commands["chat.history"] = () => ({ conversationId: GID, entries: [last], lastSeq: 1, visibleFromSeq: 0 });
    c.commands["social.groups.get"] = () => ({ ...trioGroupDetails(), group: { ...group, topic: "" } });
    c.commands["social.overview"] = () => ({ ...EMPTY_OVERVIEW, groups: [{ ...group, topic: "", role: "owner" }] });
    setup(c);
  });
  // The app's routes, in a frame with or without the sidebar's list.
  const frame = (
    <SocialProvider>
      {opts.list && <ConversationList activeId={undefined} pageHeading={false} />}
      <Outlet />
    </SocialProvider>
  );
  await renderChat([{ path: "/", element: frame, children: signedInRoutes() }], h);
  await settle();
  return h;
}

const region = () => screen.queryByRole("complementary", { name: "Group details" });
const openRegion = () => screen.getByRole("complementary", { name: "Group details" });

describe("the group details panel", () => {
  test("the header's button opens it beside the conversation; Escape closes it, focus back on the button", async () => {
    window.location.hash = `#/chat/${GID}`;
    await trip();
    const user = userEvent.setup();
    const button = await screen.findByRole("button", { name: "Group details" });
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(region()).toBeNull();

    await user.click(button);
    await waitFor(() => expect(region()).not.toBeNull());
    expect(window.location.hash).toBe(`#/chat/${GID}/details`);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    const heading = within(openRegion()).getByRole("heading", { name: "Group details" });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    await within(openRegion()).findByRole("list", { name: "Members" });
    // The conversation is still there beside it.
    expect(screen.getByRole("textbox", { name: "Message Trip" })).toBeTruthy();

    await user.keyboard("{Escape}");
    await waitFor(() => expect(region()).toBeNull());
    expect(window.location.hash).toBe(`#/chat/${GID}`);
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Group details" }));
  });

  test("the group's name opens it too, and its close button gives focus back to the name", async () => {
    window.location.hash = `#/chat/${GID}`;
    await trip();
    const user = userEvent.setup();
    const name = await screen.findByTestId("details-title");
    expect(screen.getByRole("heading", { level: 1, name: "Trip" }).contains(name)).toBe(true);
    await user.click(name);
    await waitFor(() => expect(region()).not.toBeNull());
    await user.click(within(openRegion()).getByRole("button", { name: "Close group details" }));
    await waitFor(() => expect(region()).toBeNull());
    expect(document.activeElement).toBe(screen.getByTestId("details-title"));
  });

  test("a link to the details opens them with the conversation; an old group/<id> link lands there", async () => {
    window.location.hash = "#/group/9";
    await trip();
    await waitFor(() => expect(window.location.hash).toBe(`#/chat/${GID}/details`));
    await waitFor(() => expect(region()).not.toBeNull());
    expect(screen.getByRole("heading", { level: 1, name: "Trip" })).toBeTruthy();
  });

  test("as a drawer over the conversation, a press on the conversation closes it; on the panel or its button, not", async () => {
    // What details.css does between 761 and 999 px (jsdom loads no stylesheet of the app's).
    const style = document.createElement("style");
    style.textContent = ".details-panel { position: absolute; }";
    document.head.append(style);
    onTestFinished(() => style.remove());
    window.location.hash = `#/chat/${GID}/details`;
    await trip();
    const user = userEvent.setup();
    await waitFor(() => expect(region()).not.toBeNull());
    await user.click(within(openRegion()).getByRole("heading", { name: "Group details" }));
    expect(region()).not.toBeNull();

    // The press goes on to what it landed on: the composer has focus, the panel is gone.
    const composer = screen.getByRole("textbox", { name: "Message Trip" });
    await user.click(composer);
    await waitFor(() => expect(region()).toBeNull());
    expect(window.location.hash).toBe(`#/chat/${GID}`);
    expect(document.activeElement).toBe(composer);

    // The header's button still toggles it (its press does not close it before its click reopens it).
    const button = screen.getByRole("button", { name: "Group details" });
    await user.click(button);
    await waitFor(() => expect(region()).not.toBeNull());
    await user.click(button);
    await waitFor(() => expect(region()).toBeNull());
  });

  test("beside the conversation (no drawer), a press on the conversation leaves it open", async () => {
    window.location.hash = `#/chat/${GID}/details`;
    await trip();
    const user = userEvent.setup();
    await waitFor(() => expect(region()).not.toBeNull());
    await user.click(screen.getByRole("textbox", { name: "Message Trip" }));
    await settle();
    expect(region()).not.toBeNull();
    expect(window.location.hash).toBe(`#/chat/${GID}/details`);
  });

  test("a search started while the panel is open, then the panel closed: it closes, the search stays", async () => {
    window.location.hash = `#/chat/${GID}`;
    await trip(undefined, { list: true });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Group details" }));
    await waitFor(() => expect(region()).not.toBeNull());
    await user.type(screen.getByRole("searchbox"), "hi");
    await waitFor(() => expect(window.location.hash).toBe(`#/chat/${GID}/details?q=hi`));
    await user.click(within(openRegion()).getByRole("button", { name: "Close group details" }));
    await waitFor(() => expect(region()).toBeNull());
    expect(window.location.hash).toBe(`#/chat/${GID}?q=hi`);
    expect(screen.getByRole<HTMLInputElement>("searchbox").value).toBe("hi");
  });

  test("an old link to a group the user is not in says so", async () => {
    window.location.hash = "#/group/12";
    await trip((c) => (c.commands["social.groups.get"] = refuse("NOT_FOUND")));
    expect(await screen.findByRole("heading", { level: 1, name: "Group unavailable" })).toBeTruthy();
    expect(screen.getByText("This group does not exist, or you are not a member of it.")).toBeTruthy();
    expect(window.location.hash).toBe("#/group/12");
  });
});
