import { useEffect, useRef, useState, type FormEvent } from "react";
import { useLocation, useNavigate } from "react-router";
import { AppError } from "@sealroom/proto/errors";
import { CenteredLayout } from "../app/CenteredLayout.js";
import { Callout, LiveMessage } from "../components/Callout.js";
import { Field } from "../components/Field.js";
import { ServerKeyDetails } from "../components/ServerKeyDetails.js";
import { Tabs } from "../components/Tabs.js";
import { useI18n } from "../i18n/I18nProvider.js";
import type { MessageKey } from "../i18n/en.js";
import { useCountdown } from "../lib/hooks.js";
import { HOME } from "../lib/routes.js";
import { cleanUsername, validateAuthForm, type AuthField, type FieldError } from "../lib/validation.js";
import { useSession, useSessionActions } from "../state/context.js";
import type { AuthMode, Notice } from "../state/session.js";

const NOTICES: Record<Notice, MessageKey> = {
  logout: "notice.logout",
  revoked: "notice.revoked",
  "ticket-invalid": "notice.ticketInvalid",
  "local-logout": "notice.localLogout",
};

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
  const [values, setValues] = useState({ username: "", password: "", confirm: "" });
  const [touched, setTouched] = useState<Partial<Record<AuthField, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<{ error: unknown; blockedUntil?: number }>();
  const remaining = useCountdown(failure?.blockedUntil);
  const refs = {
    username: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    confirm: useRef<HTMLInputElement>(null),
  };

  useEffect(() => {
    refs.username.current?.focus(); // once, when the screen appears
    // A signed-in view left in the URL (#/settings) belongs to the previous session: start fresh.
    if (location.pathname !== HOME || location.search) void navigate(HOME, { replace: true });
    // Once, when the screen appears: not again as the location changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [refs.username]);

  const errors = validateAuthForm(mode, values);
  const shown = (f: AuthField): string | undefined => {
    const e: FieldError | undefined = submitted || touched[f] ? errors[f] : undefined;
    return e ? t(e.key, e.vars) : undefined;
  };
  const throttled = failure?.blockedUntil !== undefined && remaining > 0;
  const failureMessage =
    failure && (failure.blockedUntil === undefined || throttled) ? describeError(failure.error) : undefined;

  const set = (f: AuthField) => (v: string) => setValues((prev) => ({ ...prev, [f]: v }));
  const blur = (f: AuthField) => () => setTouched((prev) => (values[f] === "" ? prev : { ...prev, [f]: true }));

  const switchMode = (next: AuthMode) => {
    setMode(next);
    setSubmitted(false);
    setTouched({});
    setFailure(undefined);
    setValues((v) => ({ ...v, password: "", confirm: "" }));
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (pending || throttled) return;
    setSubmitted(true);
    // A new attempt: the last one's refusal no longer applies, even if this one stops at a field.
    setFailure(undefined);
    const firstInvalid = FIELD_ORDER.find((f) => errors[f]);
    if (firstInvalid) {
      refs[firstInvalid].current?.focus();
      return;
    }
    setPending(true);
    try {
      await session.authenticate(mode, cleanUsername(values.username), values.password);
    } catch (err) {
      // A lockout, or a sign-in storm's paced retry: waiting is the only thing that helps.
      const waitMs = err instanceof AppError && WAIT_CODES.has(err.code) ? err.retryAfterMs : undefined;
      setFailure({ error: err, ...(waitMs ? { blockedUntil: Date.now() + waitMs } : {}) });
      if (err instanceof AppError && err.code === "AUTH_INVALID_CREDENTIALS") {
        setValues((v) => ({ ...v, password: "" }));
        setTouched((tc) => ({ ...tc, password: false }));
        setSubmitted(false);
        refs.password.current?.focus();
      } else if (err instanceof AppError && err.code === "USERNAME_TAKEN") {
        refs.username.current?.focus();
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
              inputRef={refs.username}
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
              inputRef={refs.password}
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
                inputRef={refs.confirm}
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
