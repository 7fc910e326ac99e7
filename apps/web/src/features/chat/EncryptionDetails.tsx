/**
 * The conversation header's lock: says the conversation is end-to-end encrypted, and opens a panel
 * with what that protects, what the server still sees, what is not built yet, and this device's
 * fingerprint. The panel closes with Escape or the button, giving focus back to the button.
 */
import { useEffect, useId, useRef, useState } from "react";
import { Fingerprint } from "../../components/Fingerprint.js";
import { CloseIcon, LockIcon } from "../../components/Icons.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useThisDevice, type ThisDeviceState } from "./e2e.js";
import type { ChatLike } from "./services.js";
import { SafetyNumberSection } from "./Verification.js";
import type { Verification } from "./contact-verification.js";
import { GroupVerificationSummary } from "./MemberVerification.js";
import { Tip } from "../../components/Tip.js";

export function EncryptionButton({ open, onToggle, panelId }: { open: boolean; onToggle(): void; panelId: string }) {
  const { t } = useI18n();
  return (
    <Tip label={t("e2e.badge")} side="bottom">
      <button
        type="button"
        className="icon-btn e2e-lock"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={`${t("e2e.badge")}: ${t("e2e.details")}`}
        data-testid="e2e-lock"
        onClick={onToggle}
      >
        <LockIcon size={18} />
      </button>
    </Tip>
  );
}

export function EncryptionPanel({
  id,
  chat,
  onClose,
  verification,
  group,
}: {
  id: string;
  chat: ChatLike;
  onClose(): void;
  /** A DM's safety number and verified mark. */
  verification?: { verification: Verification; name: string } | undefined;
  /** A group's members' verification, and the member whose safety number is open. */
  group?: Parameters<typeof GroupVerificationSummary>[0] | undefined;
}) {
  const { t } = useI18n();
  const device = useThisDevice(chat);
  const headingId = useId();
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    // A member's safety number opened with the panel (from a timeline notice) has focus already.
    if (!panel.current?.contains(document.activeElement)) panel.current?.focus({ preventScroll: true });
  }, []);
  return (
    <section
      id={id}
      ref={panel}
      className="e2e-panel"
      aria-labelledby={headingId}
      tabIndex={-1}
      data-testid="e2e-panel"
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.stopPropagation();
        onClose();
      }}
    >
      <div className="e2e-panel-head">
        <h2 id={headingId} className="e2e-panel-title">
          <LockIcon size={16} />
          <span>{t("e2e.title")}</span>
        </h2>
        <Tip label={t("e2e.close")}>
          <button type="button" className="icon-btn" aria-label={t("e2e.close")} onClick={onClose}>
            <CloseIcon />
          </button>
        </Tip>
      </div>
      <p>{t("e2e.protects")}</p>
      {verification && <SafetyNumberSection verification={verification.verification} name={verification.name} />}
      {group && <GroupVerificationSummary {...group} />}
      <h3 className="e2e-panel-sub">{t("e2e.serverSeesTitle")}</h3>
      <p>{t("e2e.serverSees")}</p>
      <h3 className="e2e-panel-sub">{t("e2e.limitsTitle")}</h3>
      <p>{t("e2e.limits")}</p>
      <DeviceFingerprint device={device} />
    </section>
  );
}

/** This device's fingerprint, or why it is not there yet. */
export function DeviceFingerprint({ device }: { device: ThisDeviceState }) {
  const { t } = useI18n();
  switch (device.kind) {
    case "off":
      return null;
    case "loading":
      return <p className="muted small">{t("e2e.deviceLoading")}</p>;
    case "error":
      return <p className="muted small">{t("e2e.deviceError")}</p>;
    case "ready":
      return (
        <div className="e2e-device">
          <Fingerprint value={device.fingerprint} label={t("e2e.fingerprint")} testId="device-fingerprint" />
          <p className="muted small">{t("e2e.fingerprintHelp")}</p>
        </div>
      );
  }
}

/** Open state of the panel, with focus given back to the lock when it closes. */
export function useEncryptionPanel(conversationId: string) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  useEffect(() => setOpen(false), [conversationId]);
  const close = () => {
    setOpen(false);
    document.querySelector<HTMLButtonElement>("[data-testid=e2e-lock]")?.focus();
  };
  return { open, panelId, toggle: () => setOpen((o) => !o), show: () => setOpen(true), close };
}
