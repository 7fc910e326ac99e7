/**
 * A group's details as a panel beside its conversation: members with roles, presence and
 * verification, inviting, and the actions the viewer's role allows. A landmark of its own
 * (complementary, named by its heading), focused when it opens; Escape or its button closes it, and
 * so does a press on the conversation where the panel is a drawer over it (press-outside.ts).
 */
import { useEffect, useId, useRef, useState } from "react";
import type { GroupDetail } from "@sealroom/sdk/browser";
import { Avatar } from "../../components/Avatar.js";
import { Callout, LiveMessage } from "../../components/Callout.js";
import { BackIcon, CloseIcon } from "../../components/Icons.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useFocusOnMount } from "../../lib/hooks.js";
import { ConfirmDialog, type ConfirmRequest } from "./ConfirmDialog.js";
import { useSocial, useSocialStore } from "./context.js";
import { GroupAdmin } from "./GroupAdmin.js";
import { InvitePanel } from "./InvitePanel.js";
import { MemberList } from "./MemberList.js";
import { useCloseOnPressOutside } from "./press-outside.js";
import { RoleBadge } from "./Person.js";
import { useAction, type ActionState } from "./useAction.js";
import { Tip } from "../../components/Tip.js";

/** The panel's id, for the header buttons' aria-controls (one conversation is open at a time). */
export const GROUP_DETAILS_ID = "group-details";

export function GroupDetailsPanel({ groupId, onClose }: { groupId: number; onClose(): void }) {
  const { t, describeError } = useI18n();
  const store = useSocialStore();
  const social = useSocial();
  const detail = social.groupDetails[groupId];
  const gone = social.goneGroups[groupId];
  const titleId = useId();
  const heading = useFocusOnMount<HTMLHeadingElement>(groupId);
  const action = useAction(heading);
  const [loadError, setLoadError] = useState<string>();
  const panel = useRef<HTMLElement>(null);
  useCloseOnPressOutside(panel, onClose);

  useEffect(() => {
    setLoadError(undefined);
    store
      .loadGroup(groupId)
      .catch((err: unknown) => setLoadError(describeError(err, { overrides: { NOT_FOUND: t("group.notFound") } })));
  }, [store, groupId, describeError, t]);

  const unavailable = gone && gone !== "disbanded" ? t(`group.gone.${gone}`) : loadError;
  return (
    <aside
      ref={panel}
      id={GROUP_DETAILS_ID}
      className="details-panel"
      aria-labelledby={titleId}
      data-testid="group-details"
      onKeyDown={(e) => {
        // A dialog or a member's safety number inside handles its own Escape first.
        if (e.key !== "Escape" || e.defaultPrevented || e.nativeEvent.isComposing) return;
        e.stopPropagation();
        onClose();
      }}
    >
      <div className="details-head">
        <h2 id={titleId} className="details-title" tabIndex={-1} ref={heading}>
          {t("details.title")}
        </h2>
        <Tip label={t("details.close")}>
          <button
            type="button"
            className="icon-btn details-close"
            aria-label={t("details.close")}
            data-testid="details-close"
            onClick={onClose}
          >
            {/* Phones show the panel instead of the conversation: back to it; beside it, a close. */}
            <span className="details-close-back">
              <BackIcon />
            </span>
            <span className="details-close-x">
              <CloseIcon />
            </span>
          </button>
        </Tip>
      </div>
      <div className="details-body">
        {detail ? (
          <GroupDetails key={detail.group.id} detail={detail} action={action} />
        ) : unavailable ? (
          <Callout tone="info">{unavailable}</Callout>
        ) : (
          <p className="muted details-loading">{t("app.loading")}</p>
        )}
      </div>
    </aside>
  );
}

function GroupDetails({ detail, action }: { detail: GroupDetail; action: ActionState }) {
  const { t } = useI18n();
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  const { group, role } = detail;
  const disbanded = group.disbandedAt !== null;
  return (
    <>
      <div className="details-hero">
        <Avatar name={group.name} groupId={group.id} size={72} />
        <p className="details-name" data-testid="group-name" translate="no">
          <bdi>{group.name}</bdi>
        </p>
        <p className="details-meta">
          {t("group.memberCount", { count: group.memberCount })}
          <span aria-hidden="true">·</span>
          {t("group.yourRole")} <RoleBadge role={role} always />
        </p>
        {group.topic && (
          <p className="group-topic" data-testid="group-topic">
            <span className="sr-only">{t("group.topic")}: </span>
            <bdi>{group.topic}</bdi>
          </p>
        )}
      </div>
      {disbanded && <Callout tone="warning">{t("group.disbandedNote")}</Callout>}
      <div className="social-feedback">
        <LiveMessage kind="alert" tone="error" message={action.error} testId="social-error" />
        <LiveMessage kind="status" tone="success" message={action.done} testId="social-done" />
      </div>
      <MemberList detail={detail} action={action} onConfirm={setConfirm} />
      {!disbanded && <InvitePanel detail={detail} action={action} />}
      {!disbanded && <GroupAdmin detail={detail} action={action} onConfirm={setConfirm} />}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(undefined)} />
    </>
  );
}
