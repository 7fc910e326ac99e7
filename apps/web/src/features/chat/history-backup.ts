/**
 * The history backup as the views see it (docs/E2E.md section 12): the SDK's HistoryBackupApi
 * read at render time, the names of the user's devices an approval is with, and the chat banner's
 * dismissal. The SDK does the cryptography; nothing here sees a key or keeps a passphrase.
 */
import { useCallback, useEffect, useReducer, useState, useSyncExternalStore } from "react";
import type { BackupStatus, HistoryBackupApi, IncomingApproval, OutgoingApproval } from "@sealroom/sdk/browser";
import { useClient } from "../../state/context.js";

/**
 * Characters a recovery passphrase needs, counted as typed (NFKC, as passwords are). The SDK has
 * the last word (it also refuses common ones with BAD_REQUEST); the form only says it early.
 */
export const RECOVERY_PASSPHRASE_MIN = 12;

export function passphraseLength(passphrase: string): number {
  return [...passphrase.normalize("NFKC")].length;
}

/** What an app has of the backup: the ChatStore, or a test's fake with the same field. */
export interface BackupHolder {
  readonly backup?: HistoryBackupApi | undefined;
}

export interface HistoryBackupView {
  api: HistoryBackupApi;
  status: BackupStatus;
  outgoing: OutgoingApproval | undefined;
  incoming: readonly IncomingApproval[];
}

/** The backup's state, re-rendering on each "change"; undefined when the store has no backup. */
export function useHistoryBackup(store: BackupHolder | undefined): HistoryBackupView | undefined {
  const api = store?.backup;
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!api) return;
    const off = api.on("change", bump);
    bump(); // a change between this render and the subscription is not missed
    return off;
  }, [api]);
  if (!api) return undefined;
  return { api, status: api.status, outgoing: api.outgoing, incoming: api.incoming };
}

/**
 * Whether this device cannot read what was said before it joined: one boolean per message, so a
 * long timeline re-renders only when it flips.
 */
export function useHistoryLocked(store: BackupHolder | undefined): boolean {
  const api = store?.backup;
  return useSyncExternalStore(
    useCallback((onChange: () => void) => api?.on("change", onChange) ?? (() => undefined), [api]),
    () => api?.status.kind === "locked",
  );
}

export type IncomingStep = IncomingApproval["state"];
export const INCOMING_ACTIVE: readonly IncomingStep[] = ["asked", "connecting", "comparing"];
export const OUTGOING_ACTIVE: readonly OutgoingApproval["state"][] = ["waiting", "comparing"];

/** Asks the user's other devices, unless an ask is already running (started elsewhere in the app). */
export function askForApproval(api: HistoryBackupApi): void {
  const running = api.outgoing !== undefined && OUTGOING_ACTIVE.includes(api.outgoing.state);
  if (!running) api.requestApproval();
}

/**
 * The user's devices by id, from the key directory (what Settings' device list shows), loaded while
 * `active` and again when the list changes; an unknown id names itself.
 */
export function useOwnDeviceNames(active: boolean): (deviceId: string) => string {
  const client = useClient();
  const me = client.user?.id;
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    if (!active || me === undefined) return;
    let live = true;
    const load = () =>
      client.request("auth.keys.devices", { userId: me }).then(
        ({ devices }) => live && setNames(new Map(devices.map((d) => [d.deviceId, d.name]))),
        () => undefined, // the id stands in until the next change
      );
    void load();
    const off = client.on("event", (type, body) => {
      if (type !== "auth.keys.devices.changed.v1") return;
      if (typeof body === "object" && body !== null && "userId" in body && body.userId === me) void load();
    });
    return () => {
      live = false;
      off();
    };
  }, [active, client, me]);
  return useCallback((deviceId: string) => names.get(deviceId) ?? deviceId, [names]);
}

type SessionStorageLike = Pick<Storage, "getItem" | "setItem">;

function sessionStore(): SessionStorageLike | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined; // storage blocked: the dismissal lasts as long as the page
  }
}

const dismissKey = (me: number | undefined) => `sealroom.backup.bannerDismissed.${me ?? "anon"}`;

/** The locked-history banner's "dismiss", remembered for this tab's session (per user). */
export function useBannerDismissal(): [dismissed: boolean, dismiss: () => void] {
  const me = useClient().user?.id;
  const [dismissed, setDismissed] = useState(() => {
    try {
      return sessionStore()?.getItem(dismissKey(me)) === "1";
    } catch {
      return false;
    }
  });
  const dismiss = useCallback(() => {
    setDismissed(true);
    try {
      sessionStore()?.setItem(dismissKey(me), "1");
    } catch {
      // storage full or blocked: dismissed until the page reloads
    }
  }, [me]);
  return [dismissed, dismiss];
}

/** "123 456" read digit by digit by a screen reader ("1 2 3, 4 5 6"), not as two numbers. */
export function spokenCode(code: string): string {
  return code
    .split(" ")
    .map((group) => [...group].join(" "))
    .join(", ");
}
