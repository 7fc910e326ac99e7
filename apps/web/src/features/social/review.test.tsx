/**
 * The outside review's finding 17 on the social screens: a request can be blocked without accepting
 * it first; notices say when they happened, clear themselves and never contradict each other; a
 * group's only member is not offered a Leave that must fail; disbanding shows one banner, not two.
 */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { GroupDetail } from "@sealroom/sdk/browser";
import { FriendsScreen } from "./FriendsScreen.js";
import { GroupDetailsPanel } from "./GroupDetails.js";
import { NOTICE_SEEN_MS } from "./Notices.js";
import { ME, ScriptedClient, renderSocial } from "./testing.js";

const amy = { id: 2, username: "amy" };
const bob = { id: 3, username: "bob" };
const HOUR = 3_600_000;

describe("friend requests", () => {
  test("an incoming request can be blocked without accepting it first", async () => {
    const client = new ScriptedClient({ incoming: [{ id: 7, from: amy, to: ME, createdAt: 1 }] });
    client.handlers["social.blocks.add"] = () => ({ block: { user: amy, since: 2 } });
    await renderSocial(<FriendsScreen />, client);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Block amy" }));
    await user.click(within(screen.getByRole("dialog", { name: "Block amy?" })).getByRole("button", { name: "Block" }));
    await screen.findByText("You blocked amy.");
    expect(client.sent.filter((s) => s.type === "social.blocks.add")).toEqual([
      { type: "social.blocks.add", body: { userId: 2 } },
    ]);
    expect(client.actions()).not.toContain("social.friends.accept");
  });
});

describe("notices", () => {
  test("say when they happened, drop contradicted ones at once, and clear themselves once seen", async () => {
    const now = Date.now();
    const client = new ScriptedClient({
      friends: [{ user: bob, since: 1, presence: { online: false, lastSeenAt: null } }],
      notices: [
        // bob declined long ago, then accepted: only the newer one stands.
        { id: 1, type: "friendRequest.declined", data: { user: bob }, createdAt: now - 30 * HOUR },
        { id: 2, type: "friendRequest.accepted", data: { user: bob }, createdAt: now - 2 * HOUR },
        // amy accepted, but is no longer a friend: contradicted by the friend list.
        { id: 3, type: "friendRequest.accepted", data: { user: amy }, createdAt: now - HOUR },
      ],
    });
    client.handlers["social.notices.ack"] = (b) => ({ acknowledged: (b.ids as number[]).length });
    await renderSocial(<FriendsScreen />, client);
    const shown = screen.getAllByTestId("notice");
    expect(shown.map((n) => n.querySelector(".notice-text")?.textContent)).toEqual([
      "bob accepted your friend request.",
    ]);
    expect(within(shown[0]!).getByText("2 hours ago")).toBeTruthy();
    await waitFor(() =>
      expect(client.sent.filter((s) => s.type === "social.notices.ack").map((s) => s.body.ids)).toEqual([[3, 1]]),
    );
    // Seen for a moment: acknowledged (gone after a reload), still shown for this visit.
    await waitFor(
      () =>
        expect(client.sent.filter((s) => s.type === "social.notices.ack").map((s) => s.body.ids)).toEqual([
          [3, 1],
          [2],
        ]),
      {
        timeout: NOTICE_SEEN_MS + 3000,
      },
    );
    expect(screen.getAllByTestId("notice")).toHaveLength(1);
  }, 15_000);
});

function soloGroup(): GroupDetail {
  return {
    group: {
      id: 5,
      name: "Solo",
      ownerId: ME.id,
      memberCount: 1,
      version: 1,
      createdAt: 1,
      disbandedAt: null,
      topic: "",
      avatar: null,
    },
    role: "owner",
    members: [{ user: ME, role: "owner", joinedAt: 1, presence: { online: true, lastSeenAt: null } }],
    invites: [],
    profiles: [],
  };
}

describe("group settings", () => {
  test("the only member is not offered a Leave that must fail, and is told to disband", async () => {
    const d = soloGroup();
    const client = new ScriptedClient({ groups: [{ ...d.group, role: "owner" }] });
    client.handlers["social.groups.get"] = () => d;
    await renderSocial(<GroupDetailsPanel groupId={5} onClose={() => undefined} />, client);
    const leave = await screen.findByRole("button", { name: "Leave group" });
    expect((leave as HTMLButtonElement).disabled).toBe(true);
    expect(
      screen.getByText("You are the only member, so there is nobody to hand the group to. Disband it instead."),
    ).toBeTruthy();
  });

  test("disbanding shows one banner, not two saying the same", async () => {
    const d = soloGroup();
    const client = new ScriptedClient({ groups: [{ ...d.group, role: "owner" }] });
    client.handlers["social.groups.get"] = () => d;
    client.handlers["social.groups.disband"] = () => ({ group: { ...d.group, version: 2, disbandedAt: Date.now() } });
    await renderSocial(<GroupDetailsPanel groupId={5} onClose={() => undefined} />, client);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Disband group" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Disband group" }));
    await screen.findByText(
      "This group was disbanded. Its members and history stay readable, but nothing can change any more.",
    );
    expect(screen.queryByText("Solo was disbanded.")).toBeNull();
    expect(screen.getAllByText(/disbanded/)).toHaveLength(1);
  });
});
