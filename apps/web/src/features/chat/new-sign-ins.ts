/**
 * New sign-ins to the user's account, as the user's other devices learn of them (docs/E2E.md
 * section 4, "Devices"): the key directory's list of the user's own devices, compared with the
 * devices this browser has already shown or been told of, kept in localStorage per user. The first
 * time a browser sees the list (a new sign-in itself) it only remembers it: a notice is about a
 * device that appeared since. The list is loaded again on `auth.keys.devices.changed.v1` for the
 * user, so a sign-in elsewhere shows at once; a device signed out is forgotten.
 */
import { useCallback, useEffect, useState } from "react";
import type { DeviceInfo } from "@sealroom/proto/keys";
import { z } from "zod";
import { useClient, useConnectionState } from "../../state/context.js";

type KeyValueStorage = Pick<Storage, "getItem" | "setItem">;

const seenSchema = z.array(z.string()).max(1000);
const storageKey = (me: number) => `sealroom.devices.seen.${me}`;

function storage(): KeyValueStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage blocked: nothing is remembered, so nothing is announced
  }
}

/** The device ids already shown (or known when the browser first looked); undefined: never looked. */
export function readSeen(me: number, s = storage()): Set<string> | undefined {
  try {
    const raw = s?.getItem(storageKey(me));
    if (!raw) return undefined;
    const seen = seenSchema.safeParse(JSON.parse(raw));
    return seen.success ? new Set(seen.data) : undefined;
  } catch {
    return undefined;
  }
}

export function writeSeen(me: number, seen: Iterable<string>, s = storage()): void {
  try {
    s?.setItem(storageKey(me), JSON.stringify([...seen]));
  } catch {
    // storage full or blocked: the notice may show again next time
  }
}

/**
 * The devices of the user that signed in since this browser last looked (this one excluded), and
 * `dismiss` to mark them seen. `thisDeviceId`: undefined until this browser's device is registered.
 */
export function useNewSignIns(thisDeviceId: string | undefined): {
  devices: DeviceInfo[];
  dismiss(): void;
} {
  const client = useClient();
  const online = useConnectionState() === "ready";
  const me = client.user?.id;
  const [fresh, setFresh] = useState<DeviceInfo[]>([]);

  const load = useCallback(async () => {
    if (me === undefined || thisDeviceId === undefined) return;
    let devices: DeviceInfo[];
    try {
      ({ devices } = await client.request("auth.keys.devices", { userId: me }));
    } catch {
      return; // asked again on the next change or reconnect
    }
    const listed = new Set(devices.map((d) => d.deviceId));
    const seen = readSeen(me);
    if (seen === undefined) {
      writeSeen(me, listed);
      setFresh([]);
      return;
    }
    const unseen = devices.filter((d) => d.deviceId !== thisDeviceId && !seen.has(d.deviceId));
    // Signed-out devices are forgotten; this one is known from now on.
    writeSeen(
      me,
      [...seen, thisDeviceId].filter((id) => listed.has(id)),
    );
    setFresh(unseen);
  }, [client, me, thisDeviceId]);

  useEffect(() => {
    if (!online) return;
    void load();
    return client.on("event", (type, body) => {
      if (type !== "auth.keys.devices.changed.v1") return;
      if (typeof body === "object" && body !== null && "userId" in body && body.userId === me) void load();
    });
  }, [client, load, me, online]);

  const dismiss = useCallback(() => {
    if (me === undefined) return;
    writeSeen(me, [...(readSeen(me) ?? []), ...fresh.map((d) => d.deviceId)]);
    setFresh([]);
  }, [me, fresh]);

  return { devices: fresh, dismiss };
}
