/** Creating a group: a validated name and a checklist of friends to invite. */
import { useId, useRef, useState, type FormEvent } from "react";
import { SOCIAL_LIMITS, groupConversationId } from "@sealroom/sdk/browser";
import { Field } from "../../components/Field.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useNavigate } from "react-router";
import { detailsPath } from "../../lib/routes.js";
import { useSocial, useSocialStore } from "./context.js";
import { useSocialErrors } from "./errors.js";
import { groupNameProblem } from "./groupName.js";
import type { ActionState } from "./useAction.js";

export function CreateGroupForm({ action }: { action: ActionState }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const { friends } = useSocial();
  const store = useSocialStore();
  const errors = useSocialErrors();
  const [name, setName] = useState("");
  const [touched, setTouched] = useState(false);
  const [invite, setInvite] = useState<ReadonlySet<number>>(new Set());
  const nameRef = useRef<HTMLInputElement>(null);
  const legendId = useId();
  const problem = groupNameProblem(name);
  const nameError = touched && problem ? t(`group.name.${problem}`) : undefined;
  const tooMany = invite.size > SOCIAL_LIMITS.createInvitesMax;

  const toggle = (id: number) =>
    setInvite((prev) => {
      const next = new Set(prev);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (problem || tooMany) {
      nameRef.current?.focus();
      return;
    }
    let created: number | undefined;
    const ok = await action.run(
      "create",
      async () => {
        created = (await store.createGroup(name, [...invite])).group.id;
      },
      { overrides: errors.create },
    );
    if (ok && created !== undefined) void navigate(detailsPath(groupConversationId(created)));
  };

  return (
    <section className="panel" aria-labelledby="create-heading">
      <h2 id="create-heading" className="panel-title">
        {t("groups.create")}
      </h2>
      <form className="form create-group" noValidate onSubmit={(e) => void submit(e)}>
        <Field
          label={t("group.nameLabel")}
          value={name}
          onChange={setName}
          onBlur={() => name && setTouched(true)}
          autoComplete="off"
          hint={t("group.nameHint", { max: SOCIAL_LIMITS.groupNameMax })}
          error={nameError}
          inputRef={nameRef}
        />
        <fieldset className="checklist" aria-labelledby={legendId}>
          <legend id={legendId} className="field-label">
            {t("groups.inviteFriends")}
          </legend>
          {friends.length === 0 ? (
            <p className="muted small">{t("groups.noFriendsToInvite")}</p>
          ) : (
            <ul>
              {friends.map((f) => (
                <li key={f.userId}>
                  <label className="check">
                    <input type="checkbox" checked={invite.has(f.userId)} onChange={() => toggle(f.userId)} />
                    <span className={`presence-dot inline${f.online ? " is-online" : ""}`} aria-hidden="true" />
                    <bdi>{f.username}</bdi>
                  </label>
                </li>
              ))}
            </ul>
          )}
          {tooMany && (
            <p className="field-error">{t("groups.tooManyInvites", { max: SOCIAL_LIMITS.createInvitesMax })}</p>
          )}
        </fieldset>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={action.pending !== undefined}>
            {action.pending === "create"
              ? t("social.working")
              : invite.size > 0
                ? t("groups.createAndInvite", { count: invite.size })
                : t("groups.createSubmit")}
          </button>
        </div>
      </form>
    </section>
  );
}
