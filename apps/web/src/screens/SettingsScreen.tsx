import { useEffect, useRef, useState } from "react";
import { Avatar } from "../components/Avatar.js";
import { LiveMessage } from "../components/Callout.js";
import { ChangePasswordForm } from "../components/ChangePasswordForm.js";
import { Fingerprint } from "../components/Fingerprint.js";
import { LanguageSelect } from "../components/LanguageSelect.js";
import { useOptionalChatServices } from "../features/chat/context.js";
import { useThisDevice } from "../features/chat/e2e.js";
import { DeviceFingerprint } from "../features/chat/EncryptionDetails.js";
import { HistoryBackupSettings } from "../features/chat/HistoryBackupSettings.js";
import { NotificationSettings } from "../features/chat/NotificationSettings.js";
import { OwnDevices } from "../features/chat/OwnDevices.js";
import { AvatarPicker, ProfileForm, useOptionalSocial } from "../features/social/index.js";
import { useI18n } from "../i18n/I18nProvider.js";
import { useFocusOnMount } from "../lib/hooks.js";
import { useHost, useSession, useSessionActions } from "../state/context.js";
import { fingerprintOf } from "../state/server-key.js";
import { useFocusSection } from "./settings-section.js";

/** The "settings" route: the page for the signed-in user. */
export function SettingsRoute() {
  const { phase } = useSession();
  return phase.name === "signed-in" ? <SettingsScreen username={phase.user.username} /> : null;
}

export function SettingsScreen({ username }: { username: string }) {
  const { t } = useI18n();
  const social = useOptionalSocial();
  const shown = social?.me?.displayName ?? username;
  const heading = useFocusOnMount<HTMLHeadingElement>();
  useFocusSection(); // after the title's focus: a section asked for wins
  const { pinnedKeyId } = useSession();
  const host = useHost();
  return (
    <div className="page">
      <header className="page-header">
        <h1 className="page-title" tabIndex={-1} ref={heading}>
          {t("settings.title")}
        </h1>
      </header>
      <div className="settings">
        <section className="panel" aria-labelledby="account-heading">
          <h2 id="account-heading" className="panel-title">
            {t("settings.account")}
          </h2>
          <div className="account-row">
            <Avatar name={shown} userId={social?.me?.user.id} size={44} />
            <div>
              <div className="muted small">{t("settings.signedInAs")}</div>
              <div className="account-name" data-testid="account-name">
                <bdi>{shown}</bdi>
                {shown !== username && (
                  <span className="person-handle" translate="no">
                    @<bdi>{username}</bdi>
                  </span>
                )}
              </div>
            </div>
          </div>
        </section>

        {social && (
          <section className="panel" aria-labelledby="profile-heading">
            <h2 id="profile-heading" className="panel-title" tabIndex={-1}>
              {t("profile.title")}
            </h2>
            <p className="panel-help">{t("profile.help")}</p>
            <AvatarPicker name={shown} />
            <ProfileForm username={username} />
          </section>
        )}

        <section className="panel" aria-labelledby="cp-heading">
          <h2 id="cp-heading" className="panel-title">
            {t("settings.changePassword")}
          </h2>
          <p className="panel-help">{t("settings.changePasswordHelp")}</p>
          <ChangePasswordForm username={username} />
        </section>

        <NotificationSettings />

        <DevicePanel />

        <SessionsPanel />

        <section className="panel" aria-labelledby="key-heading">
          <h2 id="key-heading" className="panel-title">
            {t("settings.serverKey")}
          </h2>
          <p className="panel-help">{t("settings.serverKeyHelp", { host })}</p>
          {pinnedKeyId && <Fingerprint value={fingerprintOf(pinnedKeyId)} testId="settings-fingerprint" />}
        </section>

        <section className="panel" aria-labelledby="lang-heading">
          <h2 id="lang-heading" className="panel-title">
            {t("settings.language")}
          </h2>
          <LanguageSelect labelHidden />
        </section>
      </div>
    </div>
  );
}

/** This browser's end-to-end device and what the encryption protects (when the app encrypts). */
function DevicePanel() {
  const { t } = useI18n();
  const chat = useOptionalChatServices()?.chat;
  const device = useThisDevice(chat);
  if (device.kind === "off") return null;
  return (
    <section className="panel" aria-labelledby="device-heading" data-testid="device-panel">
      <h2 id="device-heading" className="panel-title">
        {t("settings.e2e")}
      </h2>
      <p className="panel-help">{t("settings.e2eHelp")}</p>
      <DeviceFingerprint device={device} />
      <HistoryBackupSettings />
      <OwnDevices thisDeviceId={device.kind === "ready" ? device.deviceId : undefined} />
    </section>
  );
}

function SessionsPanel() {
  const { t, describeError } = useI18n();
  const session = useSessionActions();
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState<"one" | "all">();
  const [error, setError] = useState<string>();
  const trigger = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  useEffect(() => {
    // Cancelling removes the focused button: give focus back to the one that opened the question.
    if (wasConfirming.current && !confirming) trigger.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const logout = async (everywhere: boolean) => {
    setPending(everywhere ? "all" : "one");
    setError(undefined);
    try {
      await session.logout(everywhere);
    } catch (err) {
      setError(describeError(err));
      setPending(undefined);
    }
  };

  return (
    <section className="panel" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading" className="panel-title">
        {t("settings.sessions")}
      </h2>
      <LiveMessage kind="alert" tone="error" message={error} />
      <div className="rows">
        <div className="row">
          <div className="row-text">
            <div className="row-title">{t("settings.logout")}</div>
            <div className="row-help">{t("settings.logoutHelp")}</div>
          </div>
          <button
            type="button"
            className="btn btn-secondary"
            disabled={pending !== undefined}
            onClick={() => void logout(false)}
          >
            {pending === "one" ? t("settings.pending") : t("settings.logout")}
          </button>
        </div>
        <div className="row">
          <div className="row-text">
            <div className="row-title">{t("settings.logoutEverywhere")}</div>
            <div className="row-help">
              {confirming ? t("settings.logoutEverywhereConfirm") : t("settings.logoutEverywhereHelp")}
            </div>
          </div>
          {confirming ? (
            <div className="row-actions">
              <button
                type="button"
                className="btn btn-ghost"
                disabled={pending !== undefined}
                onClick={() => setConfirming(false)}
              >
                {t("settings.cancel")}
              </button>
              <button
                type="button"
                className="btn btn-danger"
                disabled={pending !== undefined}
                onClick={() => void logout(true)}
                autoFocus
              >
                {pending === "all" ? t("settings.pending") : t("settings.confirm")}
              </button>
            </div>
          ) : (
            <button ref={trigger} type="button" className="btn btn-danger-outline" onClick={() => setConfirming(true)}>
              {t("settings.logoutEverywhere")}
            </button>
          )}
        </div>
      </div>
    </section>
  );
}
