import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { AppError } from "@sealroom/sdk/browser";
import { FriendsScreen } from "./FriendsScreen.js";
import { ME, ScriptedClient, renderSocial } from "./testing.js";

const amy = { id: 2, username: "amy" };
const bob = { id: 3, username: "bob" };
const request = (id: number, from: typeof amy, to: typeof amy) => ({ id, from, to, createdAt: 1000 + id });
const friendOf = (user: typeof amy, online: boolean, lastSeenAt: number | null = null) => ({
  user,
  since: 1,
  presence: { online, lastSeenAt },
});

describe("FriendsScreen", () => {
  test("accepting an incoming request makes a friend, announced as a sentence", async () => {
    const client = new ScriptedClient({ incoming: [request(7, amy, ME)] });
    client.handlers["social.friends.accept"] = () => ({ friend: friendOf(amy, true) });
    await renderSocial(<FriendsScreen />, client);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Accept amy's request" }));
    await screen.findByText("You and amy are now friends.");
    expect(client.sent.at(-1)).toEqual({ type: "social.friends.accept", body: { requestId: 7 } });
    const friends = screen.getByRole("list", { name: "Your friends" });
    expect(within(friends).getByText("amy")).toBeTruthy();
    expect(within(friends).getByText("Online")).toBeTruthy();
    expect(screen.queryByRole("list", { name: "Requests you received" })).toBeNull();
    // The focused button went with its row: focus lands on the page heading, not the document.
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole("heading", { level: 1, name: "Friends" })),
    );
  });

  test("a request that is gone reads as a sentence, not a code", async () => {
    const client = new ScriptedClient({ outgoing: [request(8, ME, bob)] });
    client.handlers["social.friends.cancel"] = () => {
      throw new AppError("NOT_FOUND");
    };
    await renderSocial(<FriendsScreen />, client);
    await userEvent.setup().click(screen.getByRole("button", { name: "Cancel your request to bob" }));
    const alert = await screen.findByTestId("social-error");
    await waitFor(() => expect(alert.textContent).toBe("This request is no longer pending."));
  });

  test("unfriending asks first: Escape changes nothing, confirming sends it", async () => {
    const client = new ScriptedClient({ friends: [friendOf(amy, false, Date.now() - 5 * 60_000)] });
    client.handlers["social.friends.remove"] = () => ({});
    await renderSocial(<FriendsScreen />, client);
    expect(screen.getByText("Last seen 5 minutes ago")).toBeTruthy();
    const user = userEvent.setup();
    const trigger = screen.getByRole("button", { name: "Unfriend amy" });

    await user.click(trigger);
    const dialog = screen.getByRole("dialog", { name: "Unfriend amy?" });
    expect(dialog.contains(document.activeElement)).toBe(true); // focus moved into the dialog
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(document.activeElement).toBe(trigger);
    expect(client.actions()).toEqual([]);

    await user.click(trigger);
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Unfriend" }));
    await screen.findByText("amy is no longer your friend.");
    expect(client.actions()).toEqual(["social.friends.remove"]);
    expect(screen.getByText(/No friends yet/)).toBeTruthy();
  });

  test("blocking is confirmed, moves the person to the blocked list, and unblocking clears it", async () => {
    const client = new ScriptedClient({ friends: [friendOf(amy, true)] });
    client.handlers["social.blocks.add"] = () => ({ block: { user: amy, since: 5 } });
    client.handlers["social.blocks.remove"] = () => ({});
    await renderSocial(<FriendsScreen />, client);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Block amy" }));
    await user.click(within(screen.getByRole("dialog", { name: "Block amy?" })).getByRole("button", { name: "Block" }));
    await screen.findByText("You blocked amy.");
    expect(within(screen.getByRole("list", { name: "Blocked" })).getByText("amy")).toBeTruthy();
    expect(screen.queryByRole("list", { name: "Your friends" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Unblock amy" }));
    await screen.findByText("You unblocked amy.");
    expect(screen.queryByRole("list", { name: "Blocked" })).toBeNull();
    expect(client.actions()).toEqual(["social.blocks.add", "social.blocks.remove"]);
  });

  test("search is debounced and offers the right action per person", async () => {
    const client = new ScriptedClient({ friends: [friendOf(amy, true)], incoming: [request(9, bob, ME)] });
    const carol = { id: 4, username: "carol" };
    client.handlers["social.users.search"] = () => ({ users: [amy, bob, carol] });
    client.handlers["social.friends.request"] = () => ({ status: "pending", request: request(10, ME, carol) });
    await renderSocial(<FriendsScreen />, client);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Search by username"), "abc");
    const results = await screen.findByRole("list", { name: "Search results" });
    // Three keystrokes, one search.
    expect(client.sent.filter((s) => s.type === "social.users.search")).toEqual([
      { type: "social.users.search", body: { prefix: "abc", limit: 10 } },
    ]);
    expect(within(results).getByText("Already your friend")).toBeTruthy();
    expect(within(results).getByRole("button", { name: "Accept" })).toBeTruthy();
    await user.click(within(results).getByRole("button", { name: "Send carol a friend request" }));
    await screen.findByText("Friend request sent to carol.");
    expect(within(results).getByText("Request sent")).toBeTruthy();
  });

  test("live events keep the lists current", async () => {
    const client = new ScriptedClient({ friends: [friendOf(amy, true)] });
    await renderSocial(<FriendsScreen />, client);
    client.emitEvent("social.friendRequest.received.v1", { request: request(11, bob, ME) });
    client.emitEvent("presence.changed.v1", { userId: amy.id, online: false, lastSeenAt: Date.now() - 1000 });
    await screen.findByRole("button", { name: "Accept bob's request" });
    await screen.findByText("Last seen just now");
  });
});
