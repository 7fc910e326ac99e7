// Settings' device list against the key directory's commands (answered by the fake client at the
// SDK boundary): rename, sign out another device after a confirmation, never this one, refresh on
// auth.keys.devices.changed.v1. The commands themselves are tested against the real auth service
// (services/auth/src/keys-devices.test.ts) and in chromium (test/e2e/devices.e2e.test.ts).
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { DeviceInfo } from "@sealroom/proto/keys";
import { withBackup } from "./backup-test-support.js";
import { OwnDevices } from "./OwnDevices.js";
import { ME, chatHarness, renderChat, settle } from "./test-support.js";

const KEY = "A".repeat(42) + "A";
const device = (deviceId: string, name: string): DeviceInfo => ({
  deviceId,
  userId: ME.id,
  signatureKey: KEY,
  name,
  createdAt: Date.UTC(2026, 11, 1, 9),
  lastActiveAt: Date.UTC(2026, 11, 3, 18),
});

async function withDevices(list: DeviceInfo[]) {
  const devices = [...list];
  const h = await chatHarness((c) => {
    // Copies, as from the wire.
    c.commands["auth.keys.devices"] = () => ({ devices: devices.map((d) => ({ ...d })) });
    c.commands["auth.keys.renameDevice"] = (b) => {
      const d = devices.find((x) => x.deviceId === b.deviceId)!;
      d.name = String(b.name).trim();
      return {};
    };
    c.commands["auth.keys.removeDevice"] = (b) => {
      devices.splice(
        devices.findIndex((x) => x.deviceId === b.deviceId),
        1,
      );
      return {};
    };
  });
  await renderChat(<OwnDevices thisDeviceId="here" />, h);
  await settle();
  return { h, devices };
}

const rowOf = (name: string) => screen.getByText(name).closest<HTMLElement>("[data-testid=device-row]")!;

describe("Your devices", () => {
  test("lists each device with its fingerprint; this one is marked and cannot be signed out from here", async () => {
    await withDevices([device("here", "Chromium on Linux"), device("phone", "Safari on iPhone")]);
    const here = rowOf("Chromium on Linux");
    expect(within(here).getByText("This device")).toBeTruthy();
    expect(within(here).queryByRole("button", { name: /Sign out/ })).toBeNull();
    expect(within(rowOf("Safari on iPhone")).getByRole("button", { name: "Sign out Safari on iPhone" })).toBeTruthy();
    // SHA-256 of 32 zero bytes, the first 16 bytes: the fingerprint the device shows for itself.
    await screen.findAllByText("6668");
    expect(here.querySelector(".fingerprint-groups")?.getAttribute("aria-label")).toBe(
      "Fingerprint: 6668:7aad:f862:bd77:6c8f:c18b:8e9f:8e20",
    );
  });

  test("rename: Enter saves the new name; Escape cancels and gives focus back", async () => {
    const { h } = await withDevices([device("here", "Chromium on Linux")]);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Rename Chromium on Linux" }));
    const input = screen.getByRole("textbox", { name: "Device name" });
    await user.clear(input);
    await user.type(input, "Work laptop{Enter}");
    expect(await screen.findByText("Work laptop")).toBeTruthy();
    expect(h.client.bodies("auth.keys.renameDevice")).toEqual([{ deviceId: "here", name: "Work laptop" }]);
    await user.click(screen.getByRole("button", { name: "Rename Work laptop" }));
    await user.keyboard("x{Escape}");
    expect(screen.queryByRole("textbox")).toBeNull();
    await settle();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Rename Work laptop" }));
  });

  test("sign out another device after a confirmation; the list follows the directory's event", async () => {
    const { h, devices } = await withDevices([device("here", "Chromium on Linux"), device("phone", "Old phone")]);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Sign out Old phone" }));
    expect(screen.getByText(/It is removed from every conversation/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Sign out Old phone" }));
    await settle();
    expect(h.client.bodies("auth.keys.removeDevice")).toEqual([{ deviceId: "phone" }]);
    expect(screen.queryByText("Old phone")).toBeNull();

    // A device signs in elsewhere: the directory tells, the list shows it.
    devices.push(device("tablet", "Firefox on Android"));
    await h.event("auth.keys.devices.changed.v1", { userId: ME.id });
    await settle();
    expect(screen.getByText("Firefox on Android")).toBeTruthy();
  });

  test("with the history backup's key here, signing a device out rotates the key and says what it means", async () => {
    const { h } = await withDevices([device("here", "Chromium on Linux"), device("phone", "Old phone")]);
    const backup = withBackup(h);
    backup.set({ status: { kind: "ready", version: 1, passphrase: true } });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Sign out Old phone" }));
    await user.click(screen.getByRole("button", { name: "Sign out Old phone" }));
    await settle();
    expect(backup.calls).toEqual(["removeDevice:phone", "rotate"]);
    expect(screen.getByTestId("devices-notice").textContent).toMatch(/new key.*set it again above/);
  });
});
