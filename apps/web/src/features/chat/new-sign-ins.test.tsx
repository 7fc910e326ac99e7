// The notice of a new sign-in on the user's other devices (NewSignInNotice, new-sign-ins.ts) over
// the real ChatStore and end-to-end engine, the key directory's commands answered by the fake
// client at the SDK boundary. In chromium: test/e2e/devices.e2e.test.ts.
import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { DeviceInfo } from "@sealroom/proto/keys";
import { NewSignInNotice } from "./NewSignInNotice.js";
import { readSeen, writeSeen } from "./new-sign-ins.js";
import { ME, chatHarness, renderChat, settle } from "./test-support.js";

const device = (deviceId: string, name: string): DeviceInfo => ({
  deviceId,
  userId: ME.id,
  signatureKey: "A".repeat(43),
  name,
  createdAt: Date.UTC(2026, 11, 4, 9, 30),
  lastActiveAt: Date.UTC(2026, 11, 4, 9, 30),
});

/** This browser is "device-1" (the harness's registered device). */
async function withDevices(list: DeviceInfo[]) {
  const devices = [...list];
  const h = await chatHarness(
    (c) => {
      c.commands["auth.keys.devices"] = () => ({ devices: devices.map((d) => ({ ...d })) });
    },
    { e2e: true },
  );
  await renderChat(<NewSignInNotice />, h);
  await act(async () => {
    await h.store.e2e?.deviceReady();
  });
  await settle();
  const changed = async () => {
    h.event("auth.keys.devices.changed.v1", { userId: ME.id });
    await settle();
  };
  return { devices, changed };
}

const notice = () => screen.queryByRole("status", { name: /new sign-in/i });

describe("new sign-ins", () => {
  test("the first look only remembers the devices; one that signs in later is announced until 'It was me'", async () => {
    const { devices, changed } = await withDevices([device("device-1", "This laptop"), device("pc", "Work PC")]);
    expect(notice()).toBeNull();
    expect([...(readSeen(ME.id) ?? [])].sort()).toEqual(["device-1", "pc"]);

    devices.push(device("phone", "Safari on iPhone"));
    await changed();
    expect(notice()).not.toBeNull();
    expect(screen.getByText(/^Safari on iPhone, /)).toBeTruthy();
    expect(screen.getByRole("link", { name: "Review devices" }).getAttribute("href")).toContain("settings");

    await act(() => userEvent.click(screen.getByRole("button", { name: "It was me" })));
    expect(notice()).toBeNull();
    await changed();
    expect(notice()).toBeNull();
    expect(readSeen(ME.id)?.has("phone")).toBe(true);
  });

  test("devices that signed in while this browser was away are announced at once; signed-out ones are forgotten", async () => {
    writeSeen(ME.id, ["device-1", "old"]);
    await withDevices([device("device-1", "This laptop"), device("t1", "Firefox"), device("t2", "Chrome")]);
    expect(screen.getByRole("status", { name: "2 new sign-ins to your account" })).toBeTruthy();
    expect(readSeen(ME.id)?.has("old")).toBe(false);
  });

  test("a stored list that is not a list of ids is read as never looked: nothing announced", async () => {
    localStorage.setItem(`sealroom.devices.seen.${ME.id}`, '{"not":"a list"}');
    await withDevices([device("device-1", "This laptop"), device("pc", "Work PC")]);
    expect(notice()).toBeNull();
    expect([...(readSeen(ME.id) ?? [])].sort()).toEqual(["device-1", "pc"]);
  });
});
