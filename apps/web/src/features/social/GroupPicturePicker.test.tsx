/**
 * Group pictures: the group's Avatar shows the picture its info names (fetched once per version,
 * replaced live by a group change), and the owner sets or removes it in the group's admin area.
 * Cropping and encoding a real file needs a browser: test/e2e/avatars.e2e.test.ts.
 */
import { describe, expect, test } from "vitest";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { GroupDetail, GroupInfo } from "@sealroom/sdk/browser";
import { Avatar } from "../../components/Avatar.js";
import { GroupDetailsPanel } from "./GroupDetails.js";
import { GroupsScreen } from "./GroupsScreen.js";
import { ME, ScriptedClient, renderSocial } from "./testing.js";

const V1 = "GGGGGGGGGGGGGGGG";
const presence = { online: false, lastSeenAt: null };

function groupClient(role: "owner" | "member", avatar: string | null = V1): ScriptedClient {
  let group: GroupInfo = {
    id: 9,
    name: "Club",
    ownerId: role === "owner" ? ME.id : 2,
    memberCount: 2,
    version: 4,
    createdAt: 1,
    disbandedAt: null,
    topic: "",
    avatar,
  };
  const detail = (): GroupDetail => ({
    group,
    role,
    members: [{ user: ME, role, joinedAt: 1, presence }],
    invites: [],
    profiles: [],
  });
  const client = new ScriptedClient({ groups: [{ ...group, role }] });
  client.handlers["social.groups.get"] = detail;
  client.handlers["social.groups.avatar"] = (b) => ({
    avatar: { groupId: b.groupId, version: V1, mime: "image/webp", data: "UklGRg" },
  });
  client.handlers["social.groups.setAvatar"] = (b) => {
    group = { ...group, avatar: b.image === null ? null : V1, version: group.version + 1 };
    return { group };
  };
  return client;
}

const fetches = (c: ScriptedClient) => c.sent.filter((s) => s.type === "social.groups.avatar").length;

describe("a group's Avatar", () => {
  test("shows the group's picture, fetched once; a removal brings the initial back, live", async () => {
    const c = groupClient("member");
    const { container } = await renderSocial(
      <>
        <Avatar name="Club" groupId={9} />
        <Avatar name="Club" groupId={9} size={40} />
      </>,
      c,
    );
    const imgs = await screen.findAllByAltText("Club", {}, { hidden: true } as never);
    expect(imgs.map((i) => i.getAttribute("src"))).toEqual([
      "data:image/webp;base64,UklGRg==",
      "data:image/webp;base64,UklGRg==",
    ]);
    for (const img of imgs) fireEvent.load(img);
    await waitFor(() => expect(container.querySelectorAll(".avatar[data-picture]")).toHaveLength(2));
    expect(fetches(c)).toBe(1);
    expect(c.sent.find((s) => s.type === "social.groups.avatar")?.body).toEqual({ groupId: 9 });

    const removed = { id: 9, name: "Club", ownerId: 2, memberCount: 2, version: 5, createdAt: 1, disbandedAt: null };
    act(() =>
      c.emitEvent("social.group.updated.v1", {
        group: { ...removed, topic: "", avatar: null },
        event: {
          id: 30,
          groupId: 9,
          type: "pictureRemoved",
          actor: { id: 2, username: "amy" },
          target: null,
          createdAt: 5,
        },
      }),
    );
    await waitFor(() => expect(container.querySelector("img")).toBeNull());
    expect(container.textContent).toBe("CC");
  });
});

test("an invitation shows the group's picture, as its invitee may read it", async () => {
  const c = new ScriptedClient({
    invitations: [
      {
        id: 3,
        group: { id: 9, name: "Club", memberCount: 2, avatar: V1 },
        inviter: { id: 2, username: "amy" },
        createdAt: 1,
        expiresAt: 2 ** 40,
      },
    ],
  });
  c.handlers["social.groups.avatar"] = (b) => ({
    avatar: { groupId: b.groupId, version: V1, mime: "image/webp", data: "UklGRg" },
  });
  await renderSocial(<GroupsScreen />, c);
  const row = await screen.findByTestId("invitation");
  const img = await screen.findByAltText("Club", {}, { hidden: true } as never);
  expect(row.contains(img)).toBe(true);
  expect(c.sent.find((s) => s.type === "social.groups.avatar")?.body).toEqual({ groupId: 9 });
});

describe("the group picture picker", () => {
  test("the owner removes the picture and is told; the initial takes its place", async () => {
    const c = groupClient("owner");
    await renderSocial(<GroupDetailsPanel groupId={9} onClose={() => undefined} />, c);
    const picker = await screen.findByRole("group", { name: "Group picture" });
    expect(picker.textContent).toContain("Change picture…");
    await userEvent.setup().click(screen.getByRole("button", { name: "Remove picture" }));
    await screen.findByText("The group picture was removed.");
    expect(c.sent.filter((s) => s.type === "social.groups.setAvatar")).toEqual([
      { type: "social.groups.setAvatar", body: { groupId: 9, image: null } },
    ]);
    await waitFor(() => expect(screen.queryByRole("button", { name: "Remove picture" })).toBeNull());
    expect(screen.getByRole("button", { name: "Choose a picture…" })).toBeTruthy();
  });

  test("a member has no picker", async () => {
    await renderSocial(<GroupDetailsPanel groupId={9} onClose={() => undefined} />, groupClient("member"));
    await screen.findAllByTestId("member");
    expect(screen.queryByRole("group", { name: "Group picture" })).toBeNull();
  });
});
