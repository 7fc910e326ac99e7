/**
 * Settings' list of the user's devices (the key directory's, docs/E2E.md section 4): each with its
 * name, when it was added and last active, and its fingerprint; any can be renamed, and any other
 * than this one signed out from here (its session ends and every conversation removes it). The list
 * follows `auth.keys.devices.changed.v1`, so a device that signs in elsewhere appears at once.
 */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { DeviceInfo } from "@sealroom/proto/keys";
import { LiveMessage } from "../../components/Callout.js";
import { Fingerprint } from "../../components/Fingerprint.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useClient } from "../../state/context.js";
import { useOptionalChatServices } from "./context.js";
import { deviceFingerprint } from "./device-fingerprint.js";

export function OwnDevices({ thisDeviceId }: { thisDeviceId: string | undefined }) {
  const { t, describeError } = useI18n();
  const client = useClient();
  const me = client.user?.id;
  const [devices, setDevices] = useState<DeviceInfo[]>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const chat = useOptionalChatServices()?.chat;

  const load = useCallback(async () => {
    if (me === undefined) return;
    try {
      const { devices } = await client.request("auth.keys.devices", { userId: me });
      setDevices(devices);
    } catch (err) {
      setError(describeError(err));
    }
  }, [client, me, describeError]);

  // Loaded again once this device has registered (it is in the list from then on).
  useEffect(() => {
    void load();
    return client.on("event", (type, body) => {
      if (type !== "auth.keys.devices.changed.v1") return;
      if (typeof body === "object" && body !== null && "userId" in body && body.userId === me) void load();
    });
  }, [client, load, me, thisDeviceId]);

  const act = async (request: () => Promise<unknown>) => {
    setError(undefined);
    setNotice(undefined);
    try {
      await request();
      await load();
      return true;
    } catch (err) {
      setError(describeError(err));
      return false;
    }
  };

  // With the history backup's key here, signing a device out also rotates the key (the SDK does
  // both), so the device signed out cannot open what is archived from now on.
  const remove = async (deviceId: string) => {
    const backup = chat?.backup;
    if (backup?.status.kind !== "ready") return client.request("auth.keys.removeDevice", { deviceId });
    const hadPassphrase = backup.status.passphrase;
    await backup.removeDevice(deviceId);
    setNotice(t(hadPassphrase ? "devices.rotatedPassphrase" : "devices.rotated"));
  };

  return (
    <div className="own-devices" data-testid="own-devices">
      <h3 className="panel-sub">{t("devices.title")}</h3>
      <p className="panel-help">{t("devices.help")}</p>
      <LiveMessage kind="alert" tone="error" message={error} />
      <LiveMessage kind="status" tone="success" message={notice} testId="devices-notice" />
      {devices === undefined ? (
        <p className="muted small">{t("devices.loading")}</p>
      ) : (
        <ul className="rows device-rows">
          {devices.map((d) => (
            <DeviceRow
              key={d.deviceId}
              device={d}
              current={d.deviceId === thisDeviceId}
              onRename={(name) => act(() => client.request("auth.keys.renameDevice", { deviceId: d.deviceId, name }))}
              onRemove={() => act(() => remove(d.deviceId))}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function DeviceRow({
  device,
  current,
  onRename,
  onRemove,
}: {
  device: DeviceInfo;
  current: boolean;
  onRename(name: string): Promise<boolean>;
  onRemove(): Promise<boolean>;
}) {
  const { t, lang } = useI18n();
  const [mode, setMode] = useState<"view" | "rename" | "confirm">("view");
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState(device.name);
  const [fingerprint, setFingerprint] = useState<string>();
  const trigger = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    let live = true;
    void deviceFingerprint(device.signatureKey).then((fp) => live && setFingerprint(fp));
    return () => {
      live = false;
    };
  }, [device.signatureKey]);

  const run = async (action: () => Promise<boolean>) => {
    setBusy(true);
    const ok = await action();
    setBusy(false);
    if (ok) setMode("view");
  };
  const back = () => {
    setMode("view");
    setName(device.name);
    queueMicrotask(() => trigger.current?.focus());
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      back();
    }
  };
  const date = (ts: number) => new Date(ts).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });

  return (
    <li className="row device-row" data-testid="device-row" data-current={current || undefined}>
      <div className="row-text">
        {mode === "rename" ? (
          <form
            className="device-rename"
            onSubmit={(e) => {
              e.preventDefault();
              void run(() => onRename(name));
            }}
          >
            <input
              className="field-input"
              value={name}
              maxLength={64}
              aria-label={t("settings.deviceName")}
              onChange={(e) => setName(e.target.value)}
              onKeyDown={onKeyDown}
              autoFocus
            />
            <button type="submit" className="btn btn-primary btn-small" disabled={busy || name.trim() === ""}>
              {t("chat.save")}
            </button>
            <button type="button" className="btn btn-ghost btn-small" onClick={back}>
              {t("settings.cancel")}
            </button>
          </form>
        ) : (
          <div className="row-title">
            <bdi>{device.name}</bdi>
            {current && <span className="device-tag">{t("devices.this")}</span>}
          </div>
        )}
        <div className="row-help">
          {t("devices.dates", { added: date(device.createdAt), active: date(device.lastActiveAt) })}
        </div>
        {mode === "confirm" && <div className="row-help row-warning">{t("devices.removeConfirm")}</div>}
        {fingerprint && <Fingerprint value={fingerprint} label={t("devices.fingerprint")} />}
      </div>
      {mode === "confirm" ? (
        <div className="row-actions">
          <button type="button" className="btn btn-ghost" disabled={busy} onClick={back}>
            {t("settings.cancel")}
          </button>
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void run(onRemove)} autoFocus>
            {busy ? t("settings.pending") : t("devices.removeYes", { name: device.name })}
          </button>
        </div>
      ) : (
        mode === "view" && (
          <div className="row-actions">
            <button
              ref={trigger}
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => setMode("rename")}
              aria-label={t("devices.renameLabel", { name: device.name })}
            >
              {t("devices.rename")}
            </button>
            {!current && (
              <button
                type="button"
                className="btn btn-danger-outline btn-small"
                onClick={() => setMode("confirm")}
                aria-label={t("devices.removeLabel", { name: device.name })}
              >
                {t("devices.remove")}
              </button>
            )}
          </div>
        )
      )}
    </li>
  );
}
