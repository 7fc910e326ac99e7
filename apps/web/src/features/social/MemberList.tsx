/**
 * A group's members with role, presence and (with end-to-end encryption) whether the user verified
 * them, and the per-member actions the viewer's role allows, including each one's safety number.
 */
import { useRef, useState } from "react";
import type { GroupDetail, GroupMember } from "@sealroom/sdk/browser";
import { useOptionalChatServices } from "../chat/context.js";
import { useGroupVerification } from "../chat/group-verification.js";
import {
  MemberSafetyNumber,
  SafetyNumberButton,
  VerifyBadge,
  focusSafetyNumberButton,
} from "../chat/MemberVerification.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import type { ConfirmRequest } from "./ConfirmDialog.js";
import { useMyId, useSocial, useSocialStore } from "./context.js";
import { useSocialErrors } from "./errors.js";
import { PersonRow, PresenceText, RoleBadge, personOf } from "./Person.js";
import { memberActions } from "./permissions.js";
import { useNow } from "../../lib/hooks.js";
import type { ActionState } from "./useAction.js";

export function MemberList({
  detail,
  action,
  onConfirm,
}: {
  detail: GroupDetail;
  action: ActionState;
  onConfirm(r: ConfirmRequest): void;
}) {
  const { t } = useI18n();
  const me = useMyId();
  const now = useNow(30_000);
  const { profiles } = useSocial();
  const encrypted = useOptionalChatServices()?.chat.e2e !== undefined;
  const verification = useGroupVerification(me, encrypted ? detail.members.map((m) => m.user.id) : undefined);
  /** The member whose safety number is open under the list. */
  const [open, setOpen] = useState<number>();
  const list = useRef<HTMLUListElement>(null);
  const openMember = detail.members.find((m) => m.user.id === open);
  const close = () => {
    setOpen(undefined);
    if (list.current && open !== undefined) focusSafetyNumberButton(list.current, open);
  };
  return (
    <section className="panel" aria-labelledby="members-heading">
      <h2 id="members-heading" className="panel-title">
        {t("group.members")}
      </h2>
      {encrypted && verification.total > 0 && (
        <p className="muted small" data-testid="verified-count">
          {t("verify.groupCount", { verified: verification.verified, total: verification.total })}
        </p>
      )}
      <ul className="people" aria-label={t("group.members")} ref={list}>
        {detail.members.map((m) => (
          <PersonRow
            key={m.user.id}
            {...personOf(profiles, m.user)}
            online={m.presence.online}
            badge={
              <>
                <RoleBadge role={m.role} />
                {m.user.id === me && <span className="you-badge">{t("group.you")}</span>}
                {encrypted && m.user.id !== me && <VerifyBadge status={verification.status[m.user.id] ?? "loading"} />}
              </>
            }
            sub={<PresenceText online={m.presence.online} lastSeenAt={m.presence.lastSeenAt} now={now} />}
            actions={
              <>
                {encrypted && m.user.id !== me && (
                  <SafetyNumberButton
                    userId={m.user.id}
                    name={personOf(profiles, m.user).name}
                    open={open === m.user.id}
                    controls="member-safety-number"
                    onClick={() => setOpen(open === m.user.id ? undefined : m.user.id)}
                  />
                )}
                <MemberActions detail={detail} member={m} action={action} onConfirm={onConfirm} />
              </>
            }
            testId="member"
          />
        ))}
      </ul>
      {openMember && (
        <MemberSafetyNumber
          key={openMember.user.id}
          id="member-safety-number"
          me={me}
          userId={openMember.user.id}
          name={personOf(profiles, openMember.user).name}
          onClose={close}
        />
      )}
    </section>
  );
}

function MemberActions({
  detail,
  member,
  action,
  onConfirm,
}: {
  detail: GroupDetail;
  member: GroupMember;
  action: ActionState;
  onConfirm(r: ConfirmRequest): void;
}) {
  const { t } = useI18n();
  const store = useSocialStore();
  const errors = useSocialErrors();
  const me = useMyId();
  const { profiles } = useSocial();
  const gid = detail.group.id;
  const name = personOf(profiles, member.user).name;
  const uid = member.user.id;
  const can = memberActions(detail.role, member.role, uid === me, detail.group.disbandedAt !== null);
  const busy = action.pending !== undefined;
  if (!can.kick && !can.promote && !can.demote && !can.transfer) return null;
  return (
    <>
      {can.promote && (
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          disabled={busy}
          aria-label={t("group.promoteNamed", { name })}
          onClick={() =>
            void action.run(`promote:${uid}`, () => store.setRole(gid, uid, "admin"), {
              overrides: errors.member,
              done: t("group.promoted", { name }),
            })
          }
        >
          {t("group.promote")}
        </button>
      )}
      {can.demote && (
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          disabled={busy}
          aria-label={t("group.demoteNamed", { name })}
          onClick={() =>
            void action.run(`demote:${uid}`, () => store.setRole(gid, uid, "member"), {
              overrides: errors.member,
              done: t("group.demoted", { name }),
            })
          }
        >
          {t("group.demote")}
        </button>
      )}
      {can.transfer && (
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          disabled={busy}
          aria-label={t("group.transferNamed", { name })}
          onClick={() =>
            onConfirm({
              title: t("group.transferTitle", { name }),
              body: t("group.transferBody", { name }),
              confirmLabel: t("group.transferConfirm"),
              onConfirm: () =>
                void action.run(`transfer:${uid}`, () => store.transfer(gid, uid), {
                  overrides: errors.member,
                  done: t("group.transferred", { name }),
                }),
            })
          }
        >
          {t("group.transfer")}
        </button>
      )}
      {can.kick && (
        <button
          type="button"
          className="btn btn-ghost btn-sm btn-ghost-danger"
          disabled={busy}
          aria-label={t("group.kickNamed", { name })}
          onClick={() =>
            onConfirm({
              title: t("group.kickTitle", { name }),
              body: t("group.kickBody", { name }),
              confirmLabel: t("group.kick"),
              danger: true,
              onConfirm: () =>
                void action.run(`kick:${uid}`, () => store.kick(gid, uid), {
                  overrides: errors.member,
                  done: t("group.kicked", { name }),
                }),
            })
          }
        >
          {t("group.kick")}
        </button>
      )}
    </>
  );
}
