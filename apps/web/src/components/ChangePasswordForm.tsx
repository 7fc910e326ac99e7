import { useState, type FormEvent } from "react";
import { AppError } from "@sealroom/proto/errors";
import { useI18n } from "../i18n/I18nProvider.js";
import { useFormFields } from "../lib/form.js";
import { validateChangePassword, type ChangePasswordField } from "../lib/validation.js";
import { useSessionActions } from "../state/context.js";
import { LiveMessage } from "./Callout.js";
import { Field } from "./Field.js";

const EMPTY = { current: "", next: "", confirm: "" };
const ORDER: readonly ChangePasswordField[] = ["current", "next", "confirm"];

export function ChangePasswordForm({ username }: { username: string }) {
  const { t, describeError } = useI18n();
  const session = useSessionActions();
  const form = useFormFields(EMPTY, ORDER, validateChangePassword);
  const { values, shown, blur } = form;
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState(false);
  // Editing again takes back the last change's "done".
  const set = (f: ChangePasswordField) => (v: string) => {
    setDone(false);
    form.set(f)(v);
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (pending) return;
    setDone(false);
    if (!form.submit()) return;
    setPending(true);
    setError(undefined);
    try {
      await session.changePassword(values.current, values.next);
      form.reset();
      setDone(true);
    } catch (err) {
      setError(describeError(err, { overrides: { AUTH_INVALID_CREDENTIALS: t("error.currentPasswordWrong") } }));
      if (err instanceof AppError && err.code === "AUTH_INVALID_CREDENTIALS") {
        form.setValues((v) => ({ ...v, current: "" }));
        form.focus("current");
      }
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-busy={pending} aria-labelledby="cp-heading">
      {/* Lets password managers tie the new password to the account. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <LiveMessage kind="alert" tone="error" message={error} testId="change-password-error" />
      <LiveMessage
        kind="status"
        tone="success"
        message={done ? t("settings.changePasswordDone") : undefined}
        testId="change-password-done"
      />
      <Field
        label={t("field.currentPassword")}
        type="password"
        value={values.current}
        onChange={set("current")}
        onBlur={blur("current")}
        autoComplete="current-password"
        error={shown("current")}
        inputRef={form.ref("current")}
      />
      <Field
        label={t("field.newPassword")}
        type="password"
        value={values.next}
        onChange={set("next")}
        onBlur={blur("next")}
        autoComplete="new-password"
        hint={t("hint.password")}
        error={shown("next")}
        inputRef={form.ref("next")}
      />
      <Field
        label={t("field.confirmNewPassword")}
        type="password"
        value={values.confirm}
        onChange={set("confirm")}
        onBlur={blur("confirm")}
        autoComplete="new-password"
        error={shown("confirm")}
        inputRef={form.ref("confirm")}
      />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? t("settings.changePasswordPending") : t("settings.changePasswordSubmit")}
        </button>
      </div>
    </form>
  );
}
