/**
 * Profiles in the web app: the Settings form (checked like the server checks), display names with
 * the @username in a group's member list, live updates, and the group topic.
 */
import { describe, expect, test } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { GroupDetail } from "@sealroom/sdk/browser";
import { GroupDetailsPanel } from "./GroupDetails.js";
import { ProfileForm } from "./ProfileForm.js";
import { ME, ScriptedClient, renderSocial } from "./testing.js";

const amy = { id: 2, username: "amy" };
const presence = { online: false, lastSeenAt: null };

function groupClient(topic = ""): ScriptedClient {
  let d: GroupDetail = {
    group: {
      id: 9,
      name: "Club",
      ownerId: ME.id,
      memberCount: 2,
      version: 4,
      createdAt: 1,
      disbandedAt: null,
      topic,
      avatar: null,
    },
    role: "owner",
    members: [
      { user: ME, role: "owner", joinedAt: 1, presence },
      { user: amy, role: "member", joinedAt: 2, presence },
    ],
    invites: [],
    profiles: [{ user: amy, displayName: "Alex", about: "Climbs on weekends", avatar: null }],
  };
  const client = new ScriptedClient({ groups: [{ ...d.group, role: "owner" }] });
  client.handlers["social.groups.get"] = () => d;
  client.handlers["social.groups.setTopic"] = (b) => {
    d = { ...d, group: { ...d.group, topic: String(b.topic), version: d.group.version + 1 } };
    return { group: d.group };
  };
  return client;
}

describe("the profile form", () => {
  test("refuses what the server would refuse, sends the trimmed fields, says it saved", async () => {
    const client = new ScriptedClient();
    client.handlers["social.profile.update"] = (b) => ({
      profile: { user: ME, displayName: b.displayName || null, about: b.about || null, avatar: null },
    });
    await renderSocial(<ProfileForm username="me" />, client);
    const user = userEvent.setup();
    const name = screen.getByLabelText("Display name");
    await user.type(name, "x".repeat(65));
    await user.click(screen.getByRole("button", { name: "Save profile" }));
    expect(
      await screen.findByText("Display names are at most 64 characters, without control or invisible characters."),
    ).toBeTruthy();
    expect(client.actions()).toEqual([]);

    await user.clear(name);
    await user.type(name, "  Mia  ");
    await user.type(screen.getByLabelText("About"), "Tea and trains");
    await user.click(screen.getByRole("button", { name: "Save profile" }));
    await screen.findByText("Your profile was saved.");
    expect(client.sent.filter((s) => s.type === "social.profile.update")).toEqual([
      { type: "social.profile.update", body: { displayName: "Mia", about: "Tea and trains" } },
    ]);
    // Saved and unchanged: nothing more to send.
    await waitFor(() =>
      expect(screen.getByRole("button", { name: "Save profile" }).hasAttribute("disabled")).toBe(true),
    );
  });
});

describe("display names in a group", () => {
  test("members show the display name, the @username and the about line; changes arrive live", async () => {
    const client = groupClient();
    await renderSocial(<GroupDetailsPanel groupId={9} onClose={() => undefined} />, client);
    const row = (await screen.findAllByTestId("member")).find((r) => within(r).queryByText("Alex"))!;
    expect(within(row).getByTestId("person-handle").textContent).toBe("@amy");
    expect(within(row).getByTestId("person-about").textContent).toBe("Climbs on weekends");

    client.emitEvent("social.profile.updated.v1", {
      profile: { user: amy, displayName: null, about: null, avatar: null },
    });
    await waitFor(() => expect(screen.queryByText("Alex")).toBeNull());
    const plain = screen.getAllByTestId("member").find((r) => within(r).queryByText("amy"))!;
    expect(within(plain).queryByTestId("person-handle")).toBeNull();
  });

  test("the owner sets the topic; the header shows it", async () => {
    const client = groupClient();
    await renderSocial(<GroupDetailsPanel groupId={9} onClose={() => undefined} />, client);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Topic"), "Bouldering on Fridays");
    await user.click(screen.getByRole("button", { name: "Save topic" }));
    await screen.findByText("The topic was saved.");
    expect(client.sent.filter((s) => s.type === "social.groups.setTopic")).toEqual([
      { type: "social.groups.setTopic", body: { groupId: 9, topic: "Bouldering on Fridays" } },
    ]);
    await waitFor(() => expect(screen.getByTestId("group-topic").textContent).toContain("Bouldering on Fridays"));
  });
});
