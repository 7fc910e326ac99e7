/** Friends: find people, answer requests, see who is online, unfriend, block and unblock. */
import { useState } from "react";
import { dmConversationId } from "@sealroom/sdk/browser";
import { LiveMessage } from "../../components/Callout.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { Link } from "react-router";
import { useFocusOnMount, useNow } from "../../lib/hooks.js";
import { chatPath } from "../../lib/routes.js";
import { ConfirmDialog, type ConfirmRequest } from "./ConfirmDialog.js";
import { useMyId, useSocial, useSocialStore } from "./context.js";
import { useSocialErrors } from "./errors.js";
import { Notices } from "./Notices.js";
import { PeopleSearch } from "./PeopleSearch.js";
import { PersonRow, PresenceText, personOf } from "./Person.js";
import { useAction } from "./useAction.js";

export function FriendsScreen() {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const social = useSocial();
  const action = useAction(heading);
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  return (
    <div className="page social-page">
      <header className="page-header">
        <h1 className="page-title" tabIndex={-1} ref={heading}>
          {t("friends.title")}
        </h1>
        <p className="page-lead">{t("friends.lead")}</p>
      </header>
      <div className="social-feedback">
        <LiveMessage kind="alert" tone="error" message={action.error} testId="social-error" />
        <LiveMessage kind="status" tone="success" message={action.done} testId="social-done" />
      </div>
      <Notices />
      {/* Requests waiting for an answer come first: they are what the badge led here for. */}
      {(social.incoming.length > 0 || social.outgoing.length > 0) && (
        <Requests action={action} onConfirm={setConfirm} />
      )}
      <PeopleSearch action={action} />
      <FriendList action={action} onConfirm={setConfirm} />
      {social.blocked.length > 0 && <BlockedList action={action} />}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(undefined)} />
    </div>
  );
}

type Action = ReturnType<typeof useAction>;

function Requests({ action, onConfirm }: { action: Action; onConfirm(r: ConfirmRequest): void }) {
  const { t } = useI18n();
  const { incoming, outgoing } = useSocial();
  const store = useSocialStore();
  const errors = useSocialErrors();
  const busy = action.pending !== undefined;
  return (
    <section className="panel" aria-labelledby="requests-heading">
      <h2 id="requests-heading" className="panel-title">
        {t("friends.requests")}
      </h2>
      {incoming.length > 0 && (
        <>
          <h3 className="list-title">{t("friends.incoming", { count: incoming.length })}</h3>
          <ul className="people" aria-label={t("friends.incomingLabel")}>
            {incoming.map((r) => (
              <PersonRow
                key={r.id}
                name={r.from.username}
                userId={r.from.id}
                sub={t("friends.wantsToBeFriends")}
                testId="incoming-request"
                actions={
                  <>
                    <button
                      type="button"
                      className="btn btn-primary btn-sm"
                      disabled={busy}
                      aria-label={t("friends.acceptNamed", { name: r.from.username })}
                      onClick={() =>
                        void action.run(`accept:${r.id}`, () => store.acceptRequest(r.id), {
                          overrides: errors.request,
                          done: t("friends.nowFriends", { name: r.from.username }),
                        })
                      }
                    >
                      {t("friends.accept")}
                    </button>
                    <button
                      type="button"
                      className="btn btn-ghost btn-sm"
                      disabled={busy}
                      aria-label={t("friends.declineNamed", { name: r.from.username })}
                      onClick={() =>
                        void action.run(`decline:${r.id}`, () => store.declineRequest(r.id), {
                          overrides: errors.request,
                          done: t("friends.declined", { name: r.from.username }),
                        })
                      }
                    >
                      {t("friends.decline")}
                    </button>
                    {/* Blocking needs no friendship first: it also removes the request. */}
                    <button
                      type="button"
                      className="btn btn-ghost btn-sm btn-ghost-danger"
                      disabled={busy}
                      aria-label={t("friends.blockNamed", { name: r.from.username })}
                      onClick={() =>
                        onConfirm({
                          title: t("friends.blockTitle", { name: r.from.username }),
                          body: t("friends.blockBody"),
                          confirmLabel: t("friends.block"),
                          danger: true,
                          onConfirm: () =>
                            void action.run(`block:${r.from.id}`, () => store.block(r.from.id), {
                              overrides: errors.block,
                              done: t("friends.blocked", { name: r.from.username }),
                            }),
                        })
                      }
                    >
                      {t("friends.block")}
                    </button>
                  </>
                }
              />
            ))}
          </ul>
        </>
      )}
      {outgoing.length > 0 && (
        <>
          <h3 className="list-title">{t("friends.outgoing", { count: outgoing.length })}</h3>
          <ul className="people" aria-label={t("friends.outgoingLabel")}>
            {outgoing.map((r) => (
              <PersonRow
                key={r.id}
                name={r.to.username}
                userId={r.to.id}
                sub={t("friends.waiting")}
                testId="outgoing-request"
                actions={
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm"
                    disabled={busy}
                    aria-label={t("friends.cancelNamed", { name: r.to.username })}
                    onClick={() =>
                      void action.run(`cancel:${r.id}`, () => store.cancelRequest(r.id), {
                        overrides: errors.request,
                        done: t("friends.cancelled", { name: r.to.username }),
                      })
                    }
                  >
                    {t("friends.cancelRequest")}
                  </button>
                }
              />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function FriendList({ action, onConfirm }: { action: Action; onConfirm(r: ConfirmRequest): void }) {
  const { t } = useI18n();
  const { friends, status, profiles } = useSocial();
  const store = useSocialStore();
  const me = useMyId();
  const errors = useSocialErrors();
  const now = useNow(30_000);
  const online = friends.filter((f) => f.online).length;
  return (
    <section className="panel" aria-labelledby="friends-heading">
      <div className="panel-head">
        <h2 id="friends-heading" className="panel-title">
          {t("friends.list")}
        </h2>
        {friends.length > 0 && (
          <span className="muted small">{t("friends.onlineCount", { online, total: friends.length })}</span>
        )}
      </div>
      {friends.length === 0 ? (
        <p className="list-empty">{status === "loading" ? t("app.loading") : t("friends.none")}</p>
      ) : (
        <ul className="people" aria-label={t("friends.list")}>
          {friends.map((f) => (
            <PersonRow
              key={f.userId}
              {...personOf(profiles, { id: f.userId, username: f.username })}
              online={f.online}
              sub={<PresenceText online={f.online} lastSeenAt={f.lastSeenAt} now={now} />}
              testId="friend"
              actions={
                <>
                  {me !== undefined && (
                    <Link className="btn btn-secondary btn-sm" to={chatPath(dmConversationId(me, f.userId))}>
                      {t("friends.message")}
                    </Link>
                  )}
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm"
                    disabled={action.pending !== undefined}
                    aria-label={t("friends.removeNamed", { name: f.username })}
                    onClick={() =>
                      onConfirm({
                        title: t("friends.removeTitle", { name: f.username }),
                        body: t("friends.removeBody"),
                        confirmLabel: t("friends.remove"),
                        danger: true,
                        onConfirm: () =>
                          void action.run(`remove:${f.userId}`, () => store.removeFriend(f.userId), {
                            overrides: errors.unfriend,
                            done: t("friends.removed", { name: f.username }),
                          }),
                      })
                    }
                  >
                    {t("friends.remove")}
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm btn-ghost-danger"
                    disabled={action.pending !== undefined}
                    aria-label={t("friends.blockNamed", { name: f.username })}
                    onClick={() =>
                      onConfirm({
                        title: t("friends.blockTitle", { name: f.username }),
                        body: t("friends.blockBody"),
                        confirmLabel: t("friends.block"),
                        danger: true,
                        onConfirm: () =>
                          void action.run(`block:${f.userId}`, () => store.block(f.userId), {
                            overrides: errors.block,
                            done: t("friends.blocked", { name: f.username }),
                          }),
                      })
                    }
                  >
                    {t("friends.block")}
                  </button>
                </>
              }
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function BlockedList({ action }: { action: Action }) {
  const { t } = useI18n();
  const { blocked } = useSocial();
  const store = useSocialStore();
  const errors = useSocialErrors();
  return (
    <section className="panel" aria-labelledby="blocked-heading">
      <h2 id="blocked-heading" className="panel-title">
        {t("friends.blockedList")}
      </h2>
      <p className="panel-help">{t("friends.blockedHelp")}</p>
      <ul className="people" aria-label={t("friends.blockedList")}>
        {blocked.map((b) => (
          <PersonRow
            key={b.user.id}
            name={b.user.username}
            testId="blocked"
            actions={
              <button
                type="button"
                className="btn btn-secondary btn-sm"
                disabled={action.pending !== undefined}
                aria-label={t("friends.unblockNamed", { name: b.user.username })}
                onClick={() =>
                  void action.run(`unblock:${b.user.id}`, () => store.unblock(b.user.id), {
                    overrides: errors.unblock,
                    done: t("friends.unblocked", { name: b.user.username }),
                  })
                }
              >
                {t("friends.unblock")}
              </button>
            }
          />
        ))}
      </ul>
    </section>
  );
}
