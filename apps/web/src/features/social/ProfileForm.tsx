/**
 * The user's display name and "about" line (Settings). Checked with the protocol's own rule
 * (checkProfileText) before sending; the server checks again.
 */
import { useState, type FormEvent } from "react";
import { SOCIAL_LIMITS, checkProfileText } from "@sealroom/sdk/browser";
import { LiveMessage } from "../../components/Callout.js";
import { Field } from "../../components/Field.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useSocial, useSocialStore } from "./context.js";
import { useAction, type ActionState } from "./useAction.js";

/** What the field holds as it would be stored ("" for none), or undefined when it breaks the rules. */
export const profileText = (raw: string, max: number): string | undefined => {
  const checked = checkProfileText(raw, max);
  return checked.ok ? checked.text : undefined;
};

export function ProfileForm({ username }: { username: string }) {
  const { me } = useSocial();
  // Outside the fields, so "saved" outlives the remount that the saved profile causes.
  const action = useAction();
  // Starts from the profile once the overview has it (the key remounts the fields then).
  return (
    <>
      <ProfileFields key={me ? `${me.displayName}|${me.about}` : "loading"} username={username} action={action} />
      <LiveMessage kind="alert" tone="error" message={action.error} testId="profile-error" />
      <LiveMessage kind="status" tone="success" message={action.done} testId="profile-done" />
    </>
  );
}

function ProfileFields({ username, action }: { username: string; action: ActionState }) {
  const { t } = useI18n();
  const store = useSocialStore();
  const { me, status } = useSocial();
  const [displayName, setDisplayName] = useState(me?.displayName ?? "");
  const [about, setAbout] = useState(me?.about ?? "");
  const [touched, setTouched] = useState(false);
  const name = profileText(displayName, SOCIAL_LIMITS.displayNameMax);
  const line = profileText(about, SOCIAL_LIMITS.aboutMax);
  const unchanged = name === (me?.displayName ?? "") && line === (me?.about ?? "");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (name === undefined || line === undefined || unchanged) return;
    void action.run("profile", () => store.updateProfile({ displayName: name, about: line }), {
      overrides: { BAD_REQUEST: t("profile.invalid") },
      done: t("profile.saved"),
    });
  };
  return (
    <form className="form profile-form" noValidate onSubmit={submit} data-testid="profile-form">
      <Field
        label={t("profile.displayName")}
        value={displayName}
        onChange={setDisplayName}
        onBlur={() => setTouched(true)}
        autoComplete="nickname"
        name="displayName"
        hint={t("profile.displayNameHint", { max: SOCIAL_LIMITS.displayNameMax, username })}
        error={
          touched && name === undefined
            ? t("profile.displayNameInvalid", { max: SOCIAL_LIMITS.displayNameMax })
            : undefined
        }
      />
      <Field
        label={t("profile.about")}
        value={about}
        onChange={setAbout}
        onBlur={() => setTouched(true)}
        autoComplete="off"
        name="about"
        hint={t("profile.aboutHint", { max: SOCIAL_LIMITS.aboutMax })}
        error={touched && line === undefined ? t("profile.aboutInvalid", { max: SOCIAL_LIMITS.aboutMax }) : undefined}
      />
      <div className="actions">
        <button
          type="submit"
          className="btn btn-secondary"
          disabled={action.pending !== undefined || unchanged || status !== "ready"}
        >
          {action.pending === "profile" ? t("social.working") : t("profile.save")}
        </button>
      </div>
    </form>
  );
}
