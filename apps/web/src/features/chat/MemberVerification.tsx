/**
 * A group's verification UI (group-verification.ts): a member's status as a badge, one member's
 * safety number (the DM's SafetyNumberSection over the same per-pair store), and the summary the
 * group's encryption details show: how many members are verified, each with a way to their number.
 */
import { useEffect, useRef } from "react";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useVerification } from "./contact-verification.js";
import { useMe } from "./hooks.js";
import type { GroupVerification, MemberStatus } from "./group-verification.js";
import { SafetyNumberSection } from "./Verification.js";

/** Nothing while there is nothing to say (loading, or no device to compare). */
export function VerifyBadge({ status }: { status: MemberStatus }) {
  const { t } = useI18n();
  if (status !== "verified" && status !== "unverified" && status !== "changed") return null;
  return (
    <span className={`verify-badge verify-badge-${status}`} data-testid="verify-status" data-status={status}>
      {t(`verify.status.${status}`)}
    </span>
  );
}

/** The "Safety number" button of a member; `data-verify-user` lets focus come back to it. */
export function SafetyNumberButton({
  userId,
  name,
  open,
  controls,
  onClick,
}: {
  userId: number;
  name: string;
  open: boolean;
  controls: string;
  onClick(): void;
}) {
  const { t } = useI18n();
  return (
    <button
      type="button"
      className="btn btn-ghost btn-sm"
      aria-label={t("verify.with", { name })}
      aria-expanded={open}
      aria-controls={open ? controls : undefined}
      data-verify-user={userId}
      onClick={onClick}
    >
      {t("verify.open")}
    </button>
  );
}

/** Gives focus back to the member's button once their safety number is closed. */
export function focusSafetyNumberButton(root: ParentNode, userId: number) {
  root.querySelector<HTMLButtonElement>(`[data-verify-user="${userId}"]`)?.focus();
}

export function MemberSafetyNumber({
  id,
  me,
  userId,
  name,
  onClose,
}: {
  id: string;
  me: number | undefined;
  userId: number;
  name: string;
  onClose(): void;
}) {
  const { t } = useI18n();
  const verification = useVerification(me, userId);
  const section = useRef<HTMLElement>(null);
  useEffect(() => section.current?.focus({ preventScroll: false }), [userId]);
  return (
    <section
      id={id}
      ref={section}
      className="member-verify"
      aria-label={t("verify.with", { name })}
      tabIndex={-1}
      data-testid="member-verification"
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.stopPropagation();
        onClose();
      }}
    >
      <SafetyNumberSection verification={verification} name={name} title={t("verify.with", { name })} />
      <button type="button" className="btn btn-ghost btn-small member-verify-close" onClick={onClose}>
        {t("verify.close")}
      </button>
    </section>
  );
}

/** "2 of 3 members verified", with each member and their status, in the group's encryption details. */
export function GroupVerificationSummary({
  group,
  nameOf,
  selected,
  onSelect,
}: {
  group: GroupVerification;
  nameOf(userId: number): string;
  selected: number | undefined;
  onSelect(userId: number | undefined): void;
}) {
  const { t } = useI18n();
  const ids = Object.keys(group.status).map(Number);
  const detailId = "group-member-safety";
  return (
    <div className="e2e-verify" data-testid="group-verification">
      <h3 className="e2e-panel-sub">{t("verify.groupTitle")}</h3>
      <p className="small" data-testid="verified-count">
        {group.total === 0
          ? t("verify.groupNone")
          : t("verify.groupCount", { verified: group.verified, total: group.total })}
      </p>
      {group.total > 0 && <p className="muted small">{t("verify.groupHelp")}</p>}
      {ids.length > 0 && (
        <ul className="verify-members" aria-label={t("verify.groupTitle")}>
          {ids.map((id) => (
            <li key={id}>
              <bdi className="verify-member-name">{nameOf(id)}</bdi>
              <VerifyBadge status={group.status[id] ?? "loading"} />
              <SafetyNumberButton
                userId={id}
                name={nameOf(id)}
                open={selected === id}
                controls={detailId}
                onClick={() => onSelect(selected === id ? undefined : id)}
              />
            </li>
          ))}
        </ul>
      )}
      {selected !== undefined && (
        // Keyed: another member's number starts from nothing, never from the last one's state.
        <MemberPanel key={selected} id={detailId} userId={selected} nameOf={nameOf} onSelect={onSelect} />
      )}
    </div>
  );
}

function MemberPanel({
  id,
  userId,
  nameOf,
  onSelect,
}: {
  id: string;
  userId: number;
  nameOf(userId: number): string;
  onSelect(userId: number | undefined): void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const me = useMe();
  return (
    <div ref={ref}>
      <MemberSafetyNumber
        id={id}
        me={me}
        userId={userId}
        name={nameOf(userId)}
        onClose={() => {
          const root = ref.current?.parentElement;
          onSelect(undefined);
          if (root) focusSafetyNumberButton(root, userId);
        }}
      />
    </div>
  );
}
