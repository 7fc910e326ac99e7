/** Groups: pending invitations, the user's groups, and creating one. */
import { useI18n } from "../../i18n/I18nProvider.js";
import { groupConversationId } from "@sealroom/sdk/browser";
import { Link, useNavigate } from "react-router";
import { useFocusOnMount, useNow } from "../../lib/hooks.js";
import { detailsPath } from "../../lib/routes.js";
import { LiveMessage } from "../../components/Callout.js";
import { Avatar } from "../../components/Avatar.js";
import { useSocial, useSocialStore } from "./context.js";
import { CreateGroupForm } from "./CreateGroupForm.js";
import { useSocialErrors } from "./errors.js";
import { Notices } from "./Notices.js";
import { PersonRow, RoleBadge } from "./Person.js";
import { formatRelative } from "./time.js";
import { useAction } from "./useAction.js";

export function GroupsScreen() {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const action = useAction(heading);
  const { invitations } = useSocial();
  return (
    <div className="page social-page">
      <header className="page-header">
        <h1 className="page-title" tabIndex={-1} ref={heading}>
          {t("groups.title")}
        </h1>
        <p className="page-lead">{t("groups.lead")}</p>
      </header>
      <div className="social-feedback">
        <LiveMessage kind="alert" tone="error" message={action.error} testId="social-error" />
        <LiveMessage kind="status" tone="success" message={action.done} testId="social-done" />
      </div>
      <Notices kinds="groups" />
      {invitations.length > 0 && <Invitations action={action} />}
      <GroupList />
      <CreateGroupForm action={action} />
    </div>
  );
}

function Invitations({ action }: { action: ReturnType<typeof useAction> }) {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const { invitations } = useSocial();
  const store = useSocialStore();
  const errors = useSocialErrors();
  const now = useNow(30_000);
  const busy = action.pending !== undefined;
  return (
    <section className="panel panel-highlight" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading" className="panel-title">
        {t("groups.invitations", { count: invitations.length })}
      </h2>
      <ul className="people">
        {invitations.map((inv) => (
          <PersonRow
            key={inv.id}
            name={inv.group.name}
            groupId={inv.group.id}
            testId="invitation"
            sub={t("groups.invitedBy", {
              name: inv.inviter.username,
              when: formatRelative(lang, inv.createdAt, now) ?? t("social.justNow"),
            })}
            actions={
              <>
                <button
                  type="button"
                  className="btn btn-primary btn-sm"
                  disabled={busy}
                  aria-label={t("groups.joinNamed", { name: inv.group.name })}
                  onClick={async () => {
                    const ok = await action.run(`join:${inv.id}`, () => store.acceptInvitation(inv.id), {
                      overrides: errors.invitation,
                      done: t("groups.joined", { name: inv.group.name }),
                    });
                    if (ok) void navigate(detailsPath(groupConversationId(inv.group.id)));
                  }}
                >
                  {t("groups.join")}
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-sm"
                  disabled={busy}
                  aria-label={t("groups.declineNamed", { name: inv.group.name })}
                  onClick={() =>
                    void action.run(`decline:${inv.id}`, () => store.declineInvitation(inv.id), {
                      overrides: errors.invitation,
                      done: t("groups.declined", { name: inv.group.name }),
                    })
                  }
                >
                  {t("groups.decline")}
                </button>
              </>
            }
          />
        ))}
      </ul>
    </section>
  );
}

function GroupList() {
  const { t } = useI18n();
  const { groups, status } = useSocial();
  return (
    <section className="panel" aria-labelledby="mygroups-heading">
      <h2 id="mygroups-heading" className="panel-title">
        {t("groups.mine")}
      </h2>
      {groups.length === 0 ? (
        <p className="list-empty">{status === "loading" ? t("app.loading") : t("groups.none")}</p>
      ) : (
        <ul className="group-list">
          {groups.map((g) => (
            <li key={g.id}>
              <Link className="group-link" to={detailsPath(groupConversationId(g.id))} data-testid="group-link">
                <Avatar name={g.name} groupId={g.id} size={40} />
                <span className="person-text">
                  <span className="person-name">
                    <bdi>{g.name}</bdi>
                    <RoleBadge role={g.role} />
                  </span>
                  <span className="person-sub">{t("group.memberCount", { count: g.memberCount })}</span>
                </span>
                <span className="chevron" aria-hidden="true">
                  ›
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
