/**
 * The verification UI of a DM and of a group's member (MemberVerification.tsx): the safety number as 12 groups of 5 digits and as a QR code (drawn as
 * SVG here from qrcode-generator's module matrix, so nothing is fetched), the "Mark as verified" /
 * "Verified" state, and the warning shown in the panel and under the header when a verified
 * contact's devices changed (docs/E2E.md section 4, "Verification").
 */
import qrcode from "qrcode-generator";
import { useEffect, useMemo, useRef } from "react";
import { useI18n } from "../../i18n/I18nProvider.js";
import { safetyGroups } from "./safety-number.js";
import type { Verification } from "./contact-verification.js";

export function SafetyNumberSection({
  verification,
  name,
  title,
}: {
  verification: Verification;
  name: string;
  /** The heading, when "Safety number" alone would not say with whom (a group's member). */
  title?: string;
}) {
  const { t } = useI18n();
  const { state } = verification;
  // Marking or unmarking swaps the buttons: focus moves to the new ones instead of being lost.
  const actions = useRef<HTMLDivElement>(null);
  const refocus = useRef(false);
  useEffect(() => {
    if (!refocus.current) return;
    refocus.current = false;
    actions.current?.querySelector("button")?.focus();
  });
  const then = (fn: () => void) => () => {
    refocus.current = true;
    fn();
  };
  if (state.kind === "off") return null;
  return (
    <div className="e2e-verify" data-testid="verification">
      <h3 className="e2e-panel-sub">{title ?? t("verify.title")}</h3>
      {state.kind === "loading" ? (
        <p className="muted small">{t("verify.loading")}</p>
      ) : state.kind === "error" ? (
        <p className="muted small">{t("verify.error")}</p>
      ) : state.kind === "noDevices" ? (
        <p className="muted small">{t("verify.noDevices", { name })}</p>
      ) : (
        <>
          <p className="small">{t("verify.help", { name })}</p>
          <div className="safety-codes">
            <code
              className="safety-number"
              data-testid="safety-number"
              translate="no"
              aria-label={`${t("verify.number")}: ${safetyGroups(state.number).join(" ")}`}
            >
              {safetyGroups(state.number).map((g, i) => (
                <span key={i} className="safety-group">
                  {g}
                </span>
              ))}
            </code>
            <QrCode value={state.number} label={t("verify.qr")} />
          </div>
          {state.status === "changed" && <ChangedNotice name={name} />}
          {state.status === "verified" ? (
            <div className="e2e-verify-actions" ref={actions}>
              <span className="verified-tag" data-testid="verified">
                {t("verify.verified", { name })}
              </span>
              <button type="button" className="btn btn-ghost btn-small" onClick={then(verification.unverify)}>
                {t("verify.remove")}
              </button>
            </div>
          ) : (
            <div className="e2e-verify-actions" ref={actions}>
              <button type="button" className="btn btn-primary btn-small" onClick={then(verification.verify)}>
                {state.status === "changed" ? t("verify.again") : t("verify.mark")}
              </button>
              {state.status === "changed" && (
                <button type="button" className="btn btn-ghost btn-small" onClick={then(verification.unverify)}>
                  {t("verify.remove")}
                </button>
              )}
            </div>
          )}
        </>
      )}
    </div>
  );
}

/**
 * "Bob's devices changed since you verified them", in the panel and under the conversation header;
 * `text` in a group, where it names every flagged member.
 */
export function ChangedNotice({ name, text, onReview }: { name: string; text?: string; onReview?(): void }) {
  const { t } = useI18n();
  return (
    <p className="verify-changed" role="status" data-testid="verify-changed">
      <span>{text ?? t("verify.changed", { name })}</span>
      {onReview && (
        <button type="button" className="btn btn-secondary btn-small" onClick={onReview}>
          {t("verify.review")}
        </button>
      )}
    </p>
  );
}

/** A QR code as one SVG path of dark modules, with a 4-module quiet zone as the standard asks. */
export function QrCode({ value, label }: { value: string; label: string }) {
  const path = useMemo(() => {
    const qr = qrcode(0, "M");
    qr.addData(value, "Numeric");
    qr.make();
    const n = qr.getModuleCount();
    let d = "";
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
    return { d, size: n + 8 };
  }, [value]);
  return (
    <svg
      className="safety-qr"
      data-testid="safety-qr"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${path.size} ${path.size}`}
      shapeRendering="crispEdges"
    >
      <rect width={path.size} height={path.size} fill="#fff" />
      <path d={path.d} fill="#000" />
    </svg>
  );
}
