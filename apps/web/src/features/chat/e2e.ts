/** End-to-end encryption as the views see it: how an entry was read, and this device's fingerprint. */
import { useEffect, useState } from "react";
import type { E2eStatus, TimelineEntry } from "@sealroom/sdk/browser";
import { useConnectionState } from "../../state/context.js";
import type { ChatLike } from "./services.js";

/** How an encrypted message was read; undefined for an entry sent as plaintext (or a system entry). */
export function e2eStatusOf(entry: TimelineEntry): E2eStatus | undefined {
  if (entry.kind !== "text" || !("e2e" in entry)) return undefined;
  return E2E_STATUSES.find((s) => s === entry.e2e);
}

const E2E_STATUSES: readonly E2eStatus[] = ["decrypted", "undecryptable", "unavailable"];

export type ThisDeviceState =
  { kind: "off" } | { kind: "loading" } | { kind: "error" } | { kind: "ready"; deviceId: string; fingerprint: string };

/** This browser's device, once its keys are registered (asked again when the connection is back). */
export function useThisDevice(chat: ChatLike | undefined): ThisDeviceState {
  const e2e = chat?.e2e;
  const state = useConnectionState();
  const [device, setDevice] = useState<ThisDeviceState>(e2e ? { kind: "loading" } : { kind: "off" });
  useEffect(() => {
    if (!e2e) return;
    let live = true;
    e2e.thisDevice().then(
      ({ deviceId, fingerprint }) => {
        // The Fingerprint component lays out groups separated by ":".
        if (live) setDevice({ kind: "ready", deviceId, fingerprint: fingerprint.split(" ").join(":") });
      },
      () => {
        if (live) setDevice((d) => (d.kind === "ready" ? d : { kind: "error" }));
      },
    );
    return () => {
      live = false;
    };
  }, [e2e, state === "ready"]);
  return device;
}
