/**
 * Verification in a group: each member's status and safety number from the same per-pair store a
 * DM uses, the header's count, the timeline's notices naming the member, and confirm-before-send
 * naming who changed. The directory's answers are scripted; this device's key is the real engine's.
 */
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { randomBytes } from "node:crypto";
import { beforeEach, describe, expect, test, vi } from "vitest";
import type { TimelineEntry } from "@sealroom/sdk/browser";
import { GroupDetailsPanel } from "../social/GroupDetails.js";
import { SocialProvider } from "../social/index.js";
import { EMPTY_OVERVIEW } from "../social/testing.js";
import { writeMark } from "./contact-verification.js";
import { writeRecord } from "./device-changes.js";
import { ConversationView } from "./ConversationView.js";
import { keySet } from "./safety-number.js";
import {
  BOB,
  CAROL,
  ME,
  chatHarness,
  encrypted,
  groupSummary,
  renderChat,
  settle,
  text,
  trioGroupDetails,
} from "./test-support.js";

const GID = "group:9";
const key = () => randomBytes(32).toString("base64url");
const device = (userId: number, signatureKey: string, i: number) => ({
  deviceId: `${userId}-${i}`,
  userId,
  signatureKey,
  name: "Browser",
  createdAt: Date.now(),
  lastActiveAt: Date.now(),
});

/** The group "Trip" of the user, bob ("Bobby") and carol ("Caro"); each one's keys as the directory lists them. */
async function trip(keys: Record<number, string[]>) {
  const last: TimelineEntry = { ...encrypted(text(1, BOB.id, "hi all"), "decrypted"), conversationId: GID };
  const details = trioGroupDetails();
  const group = {
    id: 9,
    name: "Trip",
    ownerId: ME.id,
    memberCount: 3,
    version: 1,
    createdAt: 1,
    disbandedAt: null,
    avatar: null,
  };
  const h = await chatHarness(
    (c) => {
      c.commands["chat.conversations"] = () => ({
        conversations: [{ ...groupSummary(9, "Trip", 1, last.ts), last }],
      });
      c.commands["chat.history"] = () => ({ conversationId: GID, entries: [last], lastSeq: 1, visibleFromSeq: 0 });
      c.commands["social.groups.get"] = () => ({ ...details, group: { ...group, topic: "" } });
      c.commands["social.overview"] = () => ({
        ...EMPTY_OVERVIEW,
        me: { user: ME, displayName: null, about: null, avatar: null },
        groups: [{ ...group, topic: "", role: "owner" }],
      });
    },
    { e2e: true },
  );
  await vi.waitFor(() => expect(h.client.bodies("auth.keys.registerDevice")).toHaveLength(1), { timeout: 10_000 });
  const myKey = () => String(h.client.bodies("auth.keys.registerDevice")[0]?.signatureKey);
  h.client.commands["auth.keys.devices"] = (b) => ({
    devices:
      b.userId === ME.id
        ? [device(ME.id, myKey(), 0)]
        : (keys[Number(b.userId)] ?? []).map((k, i) => device(Number(b.userId), k, i)),
  });
  return h;
}

async function openPanel() {
  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "End-to-end encrypted: Encryption details" }));
  return { user, panel: screen.getByRole("region", { name: "End-to-end encrypted" }) };
}

beforeEach(() => localStorage.clear());

describe("verification in a group conversation", () => {
  test("the encryption details count verified members and open each one's safety number", async () => {
    const carolKeys = [key(), key()];
    const h = await trip({ [BOB.id]: [key()], [CAROL.id]: carolKeys });
    // A change of carol's recorded (in their DM) long before this group's history: not told here.
    writeRecord(ME.id, CAROL.id, {
      keys: keySet(carolKeys),
      notices: [{ at: 1, added: 1, removed: 0, wasVerified: false }],
    });
    await renderChat(<ConversationView conversationId={GID} />, h);
    await settle();
    const { user, panel } = await openPanel();
    const count = within(panel).getByTestId("verified-count");
    await vi.waitFor(() => expect(count.textContent).toBe("0 of 2 members verified"), { timeout: 10_000 });
    await vi.waitFor(() => expect(within(panel).getAllByTestId("verify-status")).toHaveLength(2));
    expect(screen.queryByTestId("device-change")).toBeNull();

    const open = within(panel).getByRole("button", { name: "Safety number with Bobby" });
    await user.click(open);
    expect(open.getAttribute("aria-expanded")).toBe("true");
    const bob = within(panel).getByRole("region", { name: "Safety number with Bobby" });
    expect(document.activeElement).toBe(bob);
    await within(bob).findByTestId("safety-number", {}, { timeout: 10_000 });
    await user.click(within(bob).getByRole("button", { name: "Mark as verified" }));
    // One store with the DM: the mark is the pair's, under the DM's key.
    expect(localStorage.getItem(`sealroom.verified.${ME.id}.${BOB.id}`)).not.toBeNull();
    await vi.waitFor(() => expect(count.textContent).toBe("1 of 2 members verified"));

    // Closing gives focus back to the member's button; Escape there closes only the member's number.
    await user.click(within(bob).getByRole("button", { name: "Close safety number" }));
    expect(within(panel).queryByTestId("member-verification")).toBeNull();
    expect(document.activeElement).toBe(open);
  });

  test("members' device changes are told in the timeline by name, and a flagged member makes sending ask", async () => {
    const keys = { [BOB.id]: [key()], [CAROL.id]: [key()] };
    const h = await trip(keys);
    // Bob was verified (in the DM, say) for the device he has now.
    writeMark(ME.id, BOB.id, { keys: keySet(keys[BOB.id]!), at: 1 });
    const first = await renderChat(<ConversationView conversationId={GID} />, h);
    await settle();
    await vi.waitFor(() => expect(localStorage.getItem(`sealroom.contactDevices.${ME.id}.${CAROL.id}`)).not.toBeNull());
    // First sight of each member's list, and the user's own devices: no notice.
    h.event("auth.keys.devices.changed.v1", { userId: ME.id });
    await settle();
    expect(screen.queryByTestId("device-change")).toBeNull();
    expect(screen.queryByTestId("verify-changed")).toBeNull();

    // Carol signs in on a second browser; bob's device is replaced.
    keys[CAROL.id]!.push(key());
    h.event("auth.keys.devices.changed.v1", { userId: CAROL.id });
    await vi.waitFor(() => expect(screen.getAllByTestId("device-change")).toHaveLength(1), { timeout: 10_000 });
    keys[BOB.id]![0] = key();
    h.event("auth.keys.devices.changed.v1", { userId: BOB.id });
    await vi.waitFor(() => expect(screen.getAllByTestId("device-change")).toHaveLength(2), { timeout: 10_000 });
    const [carolNotice, bobNotice] = screen.getAllByTestId("device-change");
    expect(carolNotice!.querySelector("p")!.textContent).toBe(
      "Caro's devices changed (a new device). Safety number changed.",
    );
    expect(bobNotice!.querySelector("p")!.textContent).toBe(
      "Bobby's devices changed (a device replaced). Safety number changed. You had verified Bobby: compare the safety number again.",
    );
    expect(screen.getByRole("log", { name: "Messages" }).contains(bobNotice!)).toBe(true);
    const flag = screen.getByTestId("verify-changed");
    expect(flag.textContent).toContain("Devices changed since you verified them: Bobby.");

    // Sending asks first, naming bob; Review opens bob's safety number.
    const user = userEvent.setup();
    const box = screen.getByRole("textbox", { name: "Message Trip" });
    await user.type(box, "plans?{Enter}");
    const dialog = screen.getByRole("dialog", { name: "Devices changed in this group" });
    expect(within(dialog).getByText(/Devices changed since you verified them: Bobby \(/)).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "Review" }));
    expect((box as HTMLTextAreaElement).value).toBe("plans?");
    const panel = screen.getByRole("region", { name: "End-to-end encrypted" });
    const bob = within(panel).getByRole("region", { name: "Safety number with Bobby" });
    await within(bob).findByTestId("verify-changed", {}, { timeout: 10_000 });
    expect(within(panel).getByTestId("verified-count").textContent).toBe("0 of 2 members verified");

    // Carol's notice opens carol's number; its button names her.
    await user.click(within(carolNotice!).getByRole("button", { name: "View Caro's safety number" }));
    await within(panel).findByRole("region", { name: "Safety number with Caro" });

    // Verified again: no flag, and sending no longer asks.
    await user.click(within(panel).getByRole("button", { name: "Safety number with Bobby" }));
    const again = within(panel).getByRole("region", { name: "Safety number with Bobby" });
    await user.click(await within(again).findByRole("button", { name: "Verify again" }, { timeout: 10_000 }));
    await user.click(within(again).getByRole("button", { name: "Close safety number" }));
    await user.click(within(panel).getByRole("button", { name: "Close encryption details" }));
    expect(screen.queryByTestId("verify-changed")).toBeNull();
    box.focus();
    await user.keyboard("{Enter}");
    expect(screen.queryByRole("dialog")).toBeNull();

    // A reload: the notices are this device's record.
    first.unmount();
    await renderChat(<ConversationView conversationId={GID} />, h);
    await settle();
    await vi.waitFor(() => expect(screen.getAllByTestId("device-change")).toHaveLength(2), { timeout: 10_000 });
  });
});

describe("the group details' member list", () => {
  test("each member shows their verification state and opens their safety number", async () => {
    const keys = { [BOB.id]: [key()], [CAROL.id]: [key()] };
    const h = await trip(keys);
    writeMark(ME.id, CAROL.id, { keys: keySet(keys[CAROL.id]!), at: 1 });
    await renderChat(
      <SocialProvider>
        <GroupDetailsPanel groupId={9} onClose={() => undefined} />
      </SocialProvider>,
      h,
    );
    await screen.findByTestId("group-name");
    const rows = () => screen.getAllByTestId("member");
    await vi.waitFor(
      () =>
        expect(rows().map((r) => within(r).queryByTestId("verify-status")?.textContent ?? null)).toEqual([
          null,
          "Not verified",
          "Verified",
        ]),
      { timeout: 10_000 },
    );
    expect(screen.getByTestId("verified-count").textContent).toBe("1 of 2 members verified");

    const user = userEvent.setup();
    const open = screen.getByRole("button", { name: "Safety number with Bobby" });
    await user.click(open);
    const bob = screen.getByRole("region", { name: "Safety number with Bobby" });
    expect(document.activeElement).toBe(bob);
    await user.click(await within(bob).findByRole("button", { name: "Mark as verified" }, { timeout: 10_000 }));
    await vi.waitFor(() => expect(within(rows()[1]!).getByTestId("verify-status").textContent).toBe("Verified"));
    // The mark swaps the buttons: focus goes to the new one, not to the page.
    expect(document.activeElement).toBe(within(bob).getByRole("button", { name: "Remove verification" }));
    expect(screen.getByTestId("verified-count").textContent).toBe("2 of 2 members verified");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("region", { name: "Safety number with Bobby" })).toBeNull();
    expect(document.activeElement).toBe(open);

    // Bob's device replaced: his row says so.
    keys[BOB.id]![0] = key();
    h.event("auth.keys.devices.changed.v1", { userId: BOB.id });
    await vi.waitFor(
      () => expect(within(rows()[1]!).getByTestId("verify-status").textContent).toBe("Devices changed since verified"),
      { timeout: 10_000 },
    );
  });
});
