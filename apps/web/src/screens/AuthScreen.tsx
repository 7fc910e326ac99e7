import { useEffect, useState, type FormEvent } from "react";
import { useLocation, useNavigate } from "react-router";
import { AppError } from "@sealroom/proto/errors";
import { CenteredLayout } from "../app/CenteredLayout.js";
import { Callout, LiveMessage } from "../components/Callout.js";
import { Field } from "../components/Field.js";
import { ServerKeyDetails } from "../components/ServerKeyDetails.js";
import { Tabs } from "../components/Tabs.js";
import { useI18n } from "../i18n/I18nProvider.js";
import type { MessageKey } from "../i18n/en.js";
import { useFormFields } from "../lib/form.js";
import { useCountdown } from "../lib/hooks.js";
import { HOME } from "../lib/routes.js";
import { cleanUsername, validateAuthForm, type AuthField } from "../lib/validation.js";
import { useSession, useSessionActions } from "../state/context.js";
import type { AuthMode, Notice } from "../state/session.js";

const NOTICES: Record<Notice, MessageKey> = {
  logout: "notice.logout",
  revoked: "notice.revoked",
  "ticket-invalid": "notice.ticketInvalid",
  "local-logout": "notice.localLogout",
};

const EMPTY = { username: "", password: "", confirm: "" };
const FIELD_ORDER: readonly AuthField[] = ["username", "password", "confirm"];
/** Refusals after which the button waits out the error's `retryAfterMs`. */
const WAIT_CODES: ReadonlySet<string> = new Set(["AUTH_THROTTLED", "AUTH_BUSY"]);

export function AuthScreen({ notice }: { notice?: Notice | undefined }) {
  const { t, describeError } = useI18n();
  const session = useSessionActions();
  const navigate = useNavigate();
  const location = useLocation();
  const { pinnedKeyId } = useSession();
  const [mode, setMode] = useState<AuthMode>("signIn");
  const form = useFormFields(EMPTY, FIELD_ORDER, (v) => validateAuthForm(mode, v));
  const { values, shown, set, blur } = form;
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<{ error: unknown; blockedUntil?: number }>();
  const remaining = useCountdown(failure?.blockedUntil);

  useEffect(() => {
    form.focus("username"); // once, when the screen appears
    // A signed-in view left in the URL (#/settings) belongs to the previous session: start fresh.
    if (location.pathname !== HOME || location.search) void navigate(HOME, { replace: true });
    // Once, when the screen appears: not again as the location changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const throttled = failure?.blockedUntil !== undefined && remaining > 0;
  const failureMessage =
    failure && (failure.blockedUntil === undefined || throttled) ? describeError(failure.error) : undefined;

  const switchMode = (next: AuthMode) => {
    setMode(next);
    form.setSubmitted(false);
    form.setTouched({});
    setFailure(undefined);
    form.setValues((v) => ({ ...v, password: "", confirm: "" }));
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (pending || throttled) return;
    // A new attempt: the last one's refusal no longer applies, even if this one stops at a field.
    setFailure(undefined);
    if (!form.submit()) return;
    setPending(true);
    try {
      await session.authenticate(mode, cleanUsername(values.username), values.password);
    } catch (err) {
      // A lockout, or a sign-in storm's paced retry: waiting is the only thing that helps.
      const waitMs = err instanceof AppError && WAIT_CODES.has(err.code) ? err.retryAfterMs : undefined;
      setFailure({ error: err, ...(waitMs ? { blockedUntil: Date.now() + waitMs } : {}) });
      if (err instanceof AppError && err.code === "AUTH_INVALID_CREDENTIALS") {
        form.setValues((v) => ({ ...v, password: "" }));
        form.setTouched((tc) => ({ ...tc, password: false }));
        form.setSubmitted(false);
        form.focus("password");
      } else if (err instanceof AppError && err.code === "USERNAME_TAKEN") {
        form.focus("username");
      }
    } finally {
      setPending(false);
    }
  };

  const isRegister = mode === "register";
  return (
    <CenteredLayout>
      <section className="card auth-card" aria-labelledby="auth-heading">
        <Tabs
          idBase="auth"
          label={t("auth.tabs")}
          selected={mode}
          onSelect={switchMode}
          tabs={[
            { id: "signIn", label: t("auth.tab.signIn") },
            { id: "register", label: t("auth.tab.register") },
          ]}
        />
        <div id="auth-panel" role="tabpanel" aria-labelledby={`auth-tab-${mode}`} className="auth-panel">
          <h1 id="auth-heading" className="card-title">
            {t(isRegister ? "auth.heading.register" : "auth.heading.signIn")}
          </h1>
          <p className="card-sub">{t(isRegister ? "auth.sub.register" : "auth.sub.signIn")}</p>
          {notice && !failure && (
            <div role="status">
              <Callout tone={notice === "logout" ? "info" : "warning"}>{t(NOTICES[notice])}</Callout>
            </div>
          )}
          <form className="form" onSubmit={onSubmit} noValidate aria-busy={pending}>
            <LiveMessage kind="alert" tone="error" message={failureMessage} testId="auth-error" />
            <Field
              label={t("field.username")}
              name="username"
              value={values.username}
              onChange={set("username")}
              onBlur={blur("username")}
              autoComplete="username"
              hint={isRegister ? t("hint.username") : undefined}
              error={shown("username")}
              inputRef={form.ref("username")}
            />
            <Field
              label={t("field.password")}
              name="password"
              type="password"
              value={values.password}
              onChange={set("password")}
              onBlur={blur("password")}
              autoComplete={isRegister ? "new-password" : "current-password"}
              hint={isRegister ? t("hint.password") : undefined}
              error={shown("password")}
              inputRef={form.ref("password")}
            />
            {isRegister && (
              <Field
                label={t("field.confirmPassword")}
                name="confirm"
                type="password"
                value={values.confirm}
                onChange={set("confirm")}
                onBlur={blur("confirm")}
                autoComplete="new-password"
                error={shown("confirm")}
                inputRef={form.ref("confirm")}
              />
            )}
            <button type="submit" className="btn btn-primary btn-block" disabled={pending || throttled}>
              {pending
                ? t(isRegister ? "auth.pending.register" : "auth.pending.signIn")
                : t(isRegister ? "auth.submit.register" : "auth.submit.signIn")}
            </button>
          </form>
        </div>
        {pinnedKeyId && <ServerKeyDetails keyId={pinnedKeyId} />}
      </section>
    </CenteredLayout>
  );
}
