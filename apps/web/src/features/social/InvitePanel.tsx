/** Inviting friends who are not in the group yet, and the invitations still pending. */
import type { GroupDetail } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useMyId, useSocial, useSocialStore } from "./context.js";
import { useSocialErrors } from "./errors.js";
import { PersonRow } from "./Person.js";
import { formatRelative } from "./time.js";
import { useNow } from "../../lib/hooks.js";
import type { ActionState } from "./useAction.js";

export function InvitePanel({ detail, action }: { detail: GroupDetail; action: ActionState }) {
  const { t, lang } = useI18n();
  const { friends } = useSocial();
  const store = useSocialStore();
  const errors = useSocialErrors();
  const now = useNow(30_000);
  const members = new Set(detail.members.map((m) => m.user.id));
  const invited = new Set(detail.invites.map((i) => i.invitee.id));
  const candidates = friends.filter((f) => !members.has(f.userId) && !invited.has(f.userId));
  const gid = detail.group.id;
  const me = useMyId();
  return (
    <section className="panel" aria-labelledby="invite-heading">
      <h2 id="invite-heading" className="panel-title">
        {t("group.invite")}
      </h2>
      {candidates.length === 0 ? (
        <p className="list-empty">{friends.length === 0 ? t("group.inviteNoFriends") : t("group.inviteAllIn")}</p>
      ) : (
        <ul className="people" aria-label={t("group.inviteCandidates")}>
          {candidates.map((f) => (
            <PersonRow
              key={f.userId}
              name={f.username}
              userId={f.userId}
              online={f.online}
              testId="invite-candidate"
              actions={
                <button
                  type="button"
                  className="btn btn-secondary btn-sm"
                  disabled={action.pending !== undefined}
                  aria-label={t("group.inviteNamed", { name: f.username })}
                  onClick={() =>
                    void action.run(`invite:${f.userId}`, () => store.invite(gid, f.userId), {
                      overrides: errors.invite,
                      done: t("group.invited", { name: f.username }),
                    })
                  }
                >
                  {t("group.inviteButton")}
                </button>
              }
            />
          ))}
        </ul>
      )}
      {detail.invites.length > 0 && (
        <>
          <h3 className="list-title">{t("group.pendingInvites", { count: detail.invites.length })}</h3>
          <ul className="people" aria-label={t("group.pendingInvitesLabel")}>
            {detail.invites.map((i) => (
              <PersonRow
                key={i.id}
                name={i.invitee.username}
                userId={i.invitee.id}
                testId="pending-invite"
                sub={t("group.invitedByWhen", {
                  name: i.inviter.username,
                  when: formatRelative(lang, i.createdAt, now) ?? t("social.justNow"),
                })}
                actions={
                  // Its inviter, the owner and admins may take an invitation back (as the service allows).
                  (detail.role !== "member" || i.inviter.id === me) && (
                    <button
                      type="button"
                      className="btn btn-ghost btn-sm"
                      disabled={action.pending !== undefined}
                      aria-label={t("group.withdrawNamed", { name: i.invitee.username })}
                      onClick={() =>
                        void action.run(`withdraw:${i.id}`, () => store.withdrawInvitation(gid, i.id), {
                          overrides: errors.invitation,
                          done: t("group.withdrawn", { name: i.invitee.username }),
                        })
                      }
                    >
                      {t("group.withdraw")}
                    </button>
                  )
                }
              />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
