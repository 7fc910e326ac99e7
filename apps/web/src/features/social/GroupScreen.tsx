/** One group: its members with roles and presence, inviting, and the actions the viewer's role allows. */
import { useEffect, useState } from "react";
import { groupConversationId } from "@sealroom/sdk/browser";
import { Callout, LiveMessage } from "../../components/Callout.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { chatRoute, hrefFor, useFocusOnMount } from "../../lib/hooks.js";
import { ConfirmDialog, type ConfirmRequest } from "./ConfirmDialog.js";
import { useSocial, useSocialStore } from "./context.js";
import { GroupAdmin } from "./GroupAdmin.js";
import { InvitePanel } from "./InvitePanel.js";
import { MemberList } from "./MemberList.js";
import { RoleBadge } from "./Person.js";
import { useAction } from "./useAction.js";

export function GroupScreen({ groupId }: { groupId: number }) {
  const { t, describeError } = useI18n();
  const store = useSocialStore();
  const social = useSocial();
  const detail = social.groupDetails[groupId];
  const gone = social.goneGroups[groupId];
  // The loading heading is replaced by the group's: focus follows it once.
  const heading = useFocusOnMount<HTMLHeadingElement>(`${groupId}:${detail ? "shown" : "waiting"}`);
  const action = useAction(heading);
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  const [loadError, setLoadError] = useState<string>();

  useEffect(() => {
    setLoadError(undefined);
    store
      .loadGroup(groupId)
      .catch((err: unknown) => setLoadError(describeError(err, { overrides: { NOT_FOUND: t("group.notFound") } })));
  }, [store, groupId, describeError, t]);

  const back = (
    <a className="back-link" href={hrefFor("groups")}>
      <span aria-hidden="true">‹ </span>
      {t("group.back")}
    </a>
  );

  if (!detail) {
    const message = gone && gone !== "disbanded" ? t(`group.gone.${gone}`) : loadError;
    return (
      <div className="page social-page">
        {back}
        <h1 className="page-title" tabIndex={-1} ref={heading}>
          {message ? t("group.unavailableTitle") : t("app.loading")}
        </h1>
        {message && <Callout tone="info">{message}</Callout>}
      </div>
    );
  }

  const { group, role } = detail;
  const disbanded = group.disbandedAt !== null;
  return (
    <div className="page social-page">
      {back}
      <header className="group-header">
        <div>
          <h1 className="page-title" tabIndex={-1} ref={heading} data-testid="group-name">
            <bdi>{group.name}</bdi>
          </h1>
          <p className="page-lead">
            {t("group.memberCount", { count: group.memberCount })}
            {" · "}
            {t("group.yourRole")} <RoleBadge role={role} always />
          </p>
          {group.topic && (
            <p className="group-topic" data-testid="group-topic">
              <span className="sr-only">{t("group.topic")}: </span>
              <bdi>{group.topic}</bdi>
            </p>
          )}
        </div>
        <a className="btn btn-primary" href={hrefFor(chatRoute(groupConversationId(group.id)))}>
          {t("group.openChat")}
        </a>
      </header>
      {disbanded && <Callout tone="warning">{t("group.disbandedNote")}</Callout>}
      <div className="social-feedback">
        <LiveMessage kind="alert" tone="error" message={action.error} testId="social-error" />
        <LiveMessage kind="status" tone="success" message={action.done} testId="social-done" />
      </div>
      <MemberList detail={detail} action={action} onConfirm={setConfirm} />
      {!disbanded && <InvitePanel detail={detail} action={action} />}
      {!disbanded && <GroupAdmin detail={detail} action={action} onConfirm={setConfirm} />}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(undefined)} />
    </div>
  );
}
