/** Renaming, the topic and picture, leaving and disbanding: each shown only to a role that may do it (leaving excepted). */
import { useState, type FormEvent } from "react";
import { SOCIAL_LIMITS, checkProfileText, type GroupDetail } from "@sealroom/sdk/browser";
import { Field } from "../../components/Field.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useNavigate } from "react-router";
import { GROUPS } from "../../lib/routes.js";
import type { ConfirmRequest } from "./ConfirmDialog.js";
import { useSocialStore } from "./context.js";
import { useSocialErrors } from "./errors.js";
import { GroupPicturePicker } from "./GroupPicturePicker.js";
import { groupNameProblem } from "./groupName.js";
import { groupActions } from "./permissions.js";
import type { ActionState } from "./useAction.js";

export function GroupAdmin({
  detail,
  action,
  onConfirm,
}: {
  detail: GroupDetail;
  action: ActionState;
  onConfirm(r: ConfirmRequest): void;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const store = useSocialStore();
  const errors = useSocialErrors();
  const { group, role } = detail;
  const can = groupActions(role, group.disbandedAt !== null);
  const busy = action.pending !== undefined;
  const owner = role === "owner";
  // The only member is the owner, who cannot leave and has nobody to hand over to: disbanding is the way.
  const alone = owner && group.memberCount === 1;

  const leave = async () => {
    const ok = await action.run("leave", () => store.leave(group.id), { overrides: errors.leave });
    if (ok) void navigate(GROUPS);
  };

  return (
    <section className="panel" aria-labelledby="admin-heading">
      <h2 id="admin-heading" className="panel-title">
        {t("group.settings")}
      </h2>
      {can.rename && <RenameForm key={group.name} detail={detail} action={action} />}
      {can.rename && <TopicForm key={`topic:${group.topic}`} detail={detail} action={action} />}
      {can.rename && <GroupPicturePicker detail={detail} />}
      <div className="rows">
        <div className="row">
          <div className="row-text">
            <div className="row-title">{t("group.leave")}</div>
            <div className="row-help">
              {alone ? t("group.leaveAloneHelp") : owner ? t("group.leaveOwnerHelp") : t("group.leaveHelp")}
            </div>
          </div>
          <button
            type="button"
            className="btn btn-danger-outline"
            disabled={busy || alone}
            onClick={() =>
              // The owner is told by the service why not: no question first.
              owner
                ? void leave()
                : onConfirm({
                    title: t("group.leaveTitle", { name: group.name }),
                    body: t("group.leaveBody"),
                    confirmLabel: t("group.leave"),
                    danger: true,
                    onConfirm: () => void leave(),
                  })
            }
          >
            {t("group.leave")}
          </button>
        </div>
        {can.disband && (
          <div className="row">
            <div className="row-text">
              <div className="row-title">{t("group.disband")}</div>
              <div className="row-help">{t("group.disbandHelp")}</div>
            </div>
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy}
              onClick={() =>
                onConfirm({
                  title: t("group.disbandTitle", { name: group.name }),
                  body: t("group.disbandBody"),
                  confirmLabel: t("group.disband"),
                  danger: true,
                  // No "done" message: the page's own "disbanded" note says the same (one banner, not two).
                  onConfirm: () =>
                    void action.run("disband", () => store.disband(group.id), { overrides: errors.group }),
                })
              }
            >
              {t("group.disband")}
            </button>
          </div>
        )}
      </div>
    </section>
  );
}

function RenameForm({ detail, action }: { detail: GroupDetail; action: ActionState }) {
  const { t } = useI18n();
  const store = useSocialStore();
  const errors = useSocialErrors();
  const [name, setName] = useState(detail.group.name);
  const [touched, setTouched] = useState(false);
  const problem = groupNameProblem(name);
  const unchanged = name.normalize("NFC").trim() === detail.group.name;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (problem || unchanged) return;
    void action.run("rename", () => store.rename(detail.group.id, name), {
      overrides: errors.rename,
      done: t("group.renamed"),
    });
  };
  return (
    <form className="form rename-form" noValidate onSubmit={submit}>
      <Field
        label={t("group.rename")}
        value={name}
        onChange={setName}
        onBlur={() => setTouched(true)}
        autoComplete="off"
        hint={t("group.nameHint", { max: SOCIAL_LIMITS.groupNameMax })}
        error={touched && problem ? t(`group.name.${problem}`) : undefined}
      />
      <div className="actions">
        <button type="submit" className="btn btn-secondary" disabled={action.pending !== undefined || unchanged}>
          {action.pending === "rename" ? t("social.working") : t("group.renameSubmit")}
        </button>
      </div>
    </form>
  );
}

/** Whoever may rename the group sets its topic ("" clears it). */
function TopicForm({ detail, action }: { detail: GroupDetail; action: ActionState }) {
  const { t } = useI18n();
  const store = useSocialStore();
  const errors = useSocialErrors();
  const [topic, setTopic] = useState(detail.group.topic);
  const [touched, setTouched] = useState(false);
  const checked = checkProfileText(topic, SOCIAL_LIMITS.topicMax);
  const unchanged = checked.ok && checked.text === detail.group.topic;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!checked.ok || unchanged) return;
    void action.run("topic", () => store.setTopic(detail.group.id, checked.text), {
      overrides: { ...errors.group, BAD_REQUEST: t("group.topicInvalid", { max: SOCIAL_LIMITS.topicMax }) },
      done: t("group.topicSaved"),
    });
  };
  return (
    <form className="form rename-form" noValidate onSubmit={submit} data-testid="topic-form">
      <Field
        label={t("group.topic")}
        value={topic}
        onChange={setTopic}
        onBlur={() => setTouched(true)}
        autoComplete="off"
        name="topic"
        hint={t("group.topicHint", { max: SOCIAL_LIMITS.topicMax })}
        error={touched && !checked.ok ? t("group.topicInvalid", { max: SOCIAL_LIMITS.topicMax }) : undefined}
      />
      <div className="actions">
        <button type="submit" className="btn btn-secondary" disabled={action.pending !== undefined || unchanged}>
          {action.pending === "topic" ? t("social.working") : t("group.topicSubmit")}
        </button>
      </div>
    </form>
  );
}
