import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import { AppError, type GroupDetail, type GroupRole } from "@sealroom/sdk/browser";
import { GroupDetailsPanel } from "./GroupDetails.js";
import { GroupsScreen } from "./GroupsScreen.js";
import { ME, ScriptedClient, renderSocial } from "./testing.js";

const amy = { id: 2, username: "amy" };
const bob = { id: 3, username: "bob" };
const presence = { online: true, lastSeenAt: null };

function detail(myRole: GroupRole): GroupDetail {
  const roles: [typeof ME, GroupRole][] =
    myRole === "owner"
      ? [
          [ME, "owner"],
          [amy, "admin"],
          [bob, "member"],
        ]
      : [
          [amy, "owner"],
          [ME, myRole],
          [bob, "member"],
        ];
  return {
    group: {
      id: 5,
      name: "Trip",
      ownerId: roles[0]![0].id,
      memberCount: 3,
      version: 3,
      createdAt: 1,
      disbandedAt: null,
      topic: "",
      avatar: null,
    },
    role: myRole,
    members: roles.map(([user, role]) => ({ user, role, joinedAt: 1, presence })),
    invites: [],
    profiles: [],
  };
}

function groupClient(myRole: GroupRole) {
  const d = detail(myRole);
  const client = new ScriptedClient({ groups: [{ ...d.group, role: myRole }] });
  client.handlers["social.groups.get"] = () => d;
  return client;
}

const panel = (onClose: () => void = () => undefined) => <GroupDetailsPanel groupId={5} onClose={onClose} />;

describe("GroupDetailsPanel", () => {
  test("a named complementary region, focused on its heading when it opens; Escape and the button close it", async () => {
    const onClose = vi.fn();
    await renderSocial(panel(onClose), groupClient("member"));
    const region = screen.getByRole("complementary", { name: "Group details" });
    const heading = within(region).getByRole("heading", { level: 2, name: "Group details" });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect((await within(region).findByTestId("group-name")).textContent).toBe("Trip");
    const user = userEvent.setup();
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledTimes(1);
    await user.click(within(region).getByRole("button", { name: "Close group details" }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  test("Escape in its confirmation dialog answers the dialog, not the panel", async () => {
    const onClose = vi.fn();
    await renderSocial(panel(onClose), groupClient("owner"));
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Remove bob from the group" }));
    screen.getByRole("dialog", { name: "Remove bob?" });
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(onClose).not.toHaveBeenCalled();
  });

  test("the owner sees every action; owner-only ones are absent for a member", async () => {
    const owner = await renderSocial(panel(), groupClient("owner"));
    await screen.findByTestId("group-name");
    expect(screen.getByRole("button", { name: "Make bob an admin" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Make amy a member again" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Make amy the owner" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Remove amy from the group" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Disband group" })).toBeTruthy();
    expect(screen.getByLabelText("Group name")).toBeTruthy();
    owner.unmount();

    await renderSocial(panel(), groupClient("member"));
    await screen.findByTestId("group-name");
    expect(screen.queryByRole("button", { name: /^Remove .* from the group$/ })).toBeNull();
    expect(screen.queryByRole("button", { name: /admin|owner|member again/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Disband group" })).toBeNull();
    expect(screen.queryByLabelText("Group name")).toBeNull();
    expect(screen.getByRole("button", { name: "Leave group" })).toBeTruthy();
  });

  test("an admin may remove plain members only", async () => {
    await renderSocial(panel(), groupClient("admin"));
    await screen.findByTestId("group-name");
    expect(screen.getByRole("button", { name: "Remove bob from the group" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Remove amy from the group" })).toBeNull();
  });

  test("the owner trying to leave is told to transfer ownership first", async () => {
    const client = groupClient("owner");
    client.handlers["social.groups.leave"] = () => {
      throw new AppError("CONFLICT");
    };
    await renderSocial(panel(), client);
    await userEvent.setup().click(await screen.findByRole("button", { name: "Leave group" }));
    const alert = await screen.findByTestId("social-error");
    await waitFor(() =>
      expect(alert.textContent).toBe(
        "The owner cannot leave the group. Make another member the owner first, then leave.",
      ),
    );
  });

  test("removing a member is confirmed in a dialog, then the list follows", async () => {
    const client = groupClient("owner");
    const after = detail("owner");
    after.members = after.members.filter((m) => m.user.id !== bob.id);
    after.group = { ...after.group, memberCount: 2, version: 4 };
    client.handlers["social.groups.kick"] = () => {
      client.handlers["social.groups.get"] = () => after;
      return { group: after.group };
    };
    await renderSocial(panel(), client);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Remove bob from the group" }));
    const dialog = screen.getByRole("dialog", { name: "Remove bob?" });
    expect(client.actions()).toEqual([]);
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    await screen.findByText("bob was removed from the group.");
    expect(client.sent.find((s) => s.type === "social.groups.kick")?.body).toEqual({ groupId: 5, userId: bob.id });
    await waitFor(() => expect(within(screen.getByRole("list", { name: "Members" })).queryByText("bob")).toBeNull());
  });

  test("being kicked while looking says so", async () => {
    const client = groupClient("member");
    await renderSocial(panel(), client);
    await screen.findByTestId("group-name");
    client.emitEvent("social.group.removed.v1", { group: { id: 5, name: "Trip" }, reason: "kicked" });
    await screen.findByText("You were removed from this group.");
  });
});

describe("invitations and renaming", () => {
  test("an invitation can be declined or accepted; accepting opens the group's conversation with its details", async () => {
    const invitation = (id: number, name: string) => ({
      id,
      group: { id: id * 10, name, memberCount: 2, avatar: null },
      inviter: amy,
      createdAt: Date.now(),
      expiresAt: Date.now() + 1e6,
    });
    const client = new ScriptedClient({ invitations: [invitation(1, "Trip"), invitation(2, "Chess")] });
    client.handlers["social.groups.declineInvite"] = () => ({});
    client.handlers["social.groups.acceptInvite"] = () => detail("member");
    await renderSocial(<GroupsScreen />, client);
    const user = userEvent.setup();
    expect(screen.getByRole("heading", { name: "Invitations (2)" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Decline the invitation to Chess" }));
    await screen.findByText("You declined the invitation to Chess.");
    await user.click(screen.getByRole("button", { name: "Join Trip" }));
    await waitFor(() => expect(window.location.hash).toBe("#/chat/group:10/details"));
    expect(client.actions()).toEqual(["social.groups.declineInvite", "social.groups.acceptInvite"]);
    expect(screen.queryByRole("heading", { name: /Invitations/ })).toBeNull();
  });

  test("renaming validates the name and is offered only when it changed", async () => {
    const client = groupClient("owner");
    client.handlers["social.groups.rename"] = (body) => ({
      group: { ...detail("owner").group, name: String(body.name).trim(), version: 4 },
    });
    await renderSocial(panel(), client);
    const user = userEvent.setup();
    const field = await screen.findByLabelText("Group name");
    const submit = screen.getByRole("button", { name: "Rename" });
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    await user.clear(field);
    await user.type(field, "a\u202Eb");
    await user.click(submit);
    expect(screen.getByText("Group names cannot contain control or text-direction characters.")).toBeTruthy();
    expect(client.actions()).toEqual([]);
    await user.clear(field);
    await user.type(field, "Road trip");
    await user.click(submit);
    await screen.findByText("The group was renamed.");
    expect(client.sent.find((s) => s.type === "social.groups.rename")?.body).toEqual({ groupId: 5, name: "Road trip" });
  });
});

describe("creating a group", () => {
  test("the name is validated before anything is sent; friends are invited from a checklist", async () => {
    const client = new ScriptedClient({
      friends: [
        { user: amy, since: 1, presence },
        { user: bob, since: 1, presence },
      ],
    });
    const created = detail("owner");
    client.handlers["social.groups.create"] = () => created;
    await renderSocial(<GroupsScreen />, client);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Group name"), "   ");
    await user.click(screen.getByRole("button", { name: "Create group" }));
    expect(screen.getByText("Enter a group name.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Group name"));
    expect(client.actions()).toEqual([]);

    await user.clear(screen.getByLabelText("Group name"));
    await user.type(screen.getByLabelText("Group name"), "x".repeat(65));
    await user.click(screen.getByRole("button", { name: "Create group" }));
    expect(screen.getByText("Group names are at most 64 characters.")).toBeTruthy();
    expect(client.actions()).toEqual([]);

    await user.clear(screen.getByLabelText("Group name"));
    await user.type(screen.getByLabelText("Group name"), "  Trip ");
    await user.click(screen.getByRole("checkbox", { name: "bob" }));
    await user.click(screen.getByRole("button", { name: "Create and invite 1" }));
    await waitFor(() => expect(window.location.hash).toBe("#/chat/group:5/details"));
    expect(client.sent.find((s) => s.type === "social.groups.create")?.body).toEqual({
      name: "  Trip ",
      invite: [bob.id],
    });
  });
});
