/** The outside review's finding 8 in the web app: a pending invitation can be withdrawn by whoever may. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { GroupDetail, GroupRole } from "@sealroom/sdk/browser";
import { GroupDetailsPanel } from "./GroupDetails.js";
import { ME, ScriptedClient, renderSocial } from "./testing.js";

const amy = { id: 2, username: "amy" };
const bob = { id: 3, username: "bob" };
const cal = { id: 4, username: "cal" };
const dan = { id: 5, username: "dan" };
const presence = { online: false, lastSeenAt: null };

function group(myRole: GroupRole): ScriptedClient {
  const d: GroupDetail = {
    group: {
      id: 9,
      name: "Club",
      ownerId: myRole === "owner" ? ME.id : amy.id,
      memberCount: 2,
      version: 4,
      createdAt: 1,
      disbandedAt: null,
      topic: "",
      avatar: null,
    },
    role: myRole,
    members: [
      { user: myRole === "owner" ? ME : amy, role: "owner", joinedAt: 1, presence },
      { user: myRole === "owner" ? amy : ME, role: myRole === "owner" ? "member" : myRole, joinedAt: 2, presence },
    ],
    invites: [
      { id: 31, invitee: cal, inviter: ME, createdAt: Date.now(), expiresAt: Date.now() + 1e6 },
      { id: 32, invitee: dan, inviter: bob, createdAt: Date.now(), expiresAt: Date.now() + 1e6 },
    ],
    profiles: [],
  };
  const client = new ScriptedClient({ groups: [{ ...d.group, role: myRole }] });
  client.handlers["social.groups.get"] = () => d;
  client.handlers["social.groups.withdrawInvite"] = () => ({});
  return client;
}

describe("withdrawing an invitation", () => {
  test("the owner withdraws any pending invitation; it leaves the list", async () => {
    const client = group("owner");
    await renderSocial(<GroupDetailsPanel groupId={9} onClose={() => undefined} />, client);
    await userEvent.setup().click(await screen.findByRole("button", { name: "Withdraw the invitation to dan" }));
    await screen.findByText("The invitation to dan was withdrawn.");
    expect(client.sent.filter((s) => s.type === "social.groups.withdrawInvite")).toEqual([
      { type: "social.groups.withdrawInvite", body: { invitationId: 32 } },
    ]);
    await waitFor(() =>
      expect(
        screen.getAllByTestId("pending-invite").map((r) => within(r).getByText(/^(cal|dan)$/).textContent),
      ).toEqual(["cal"]),
    );
  });

  test("a plain member may withdraw only their own invitations", async () => {
    await renderSocial(<GroupDetailsPanel groupId={9} onClose={() => undefined} />, group("member"));
    await screen.findByRole("button", { name: "Withdraw the invitation to cal" });
    expect(screen.queryByRole("button", { name: "Withdraw the invitation to dan" })).toBeNull();
  });
});
