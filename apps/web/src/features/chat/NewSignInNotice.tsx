import { useI18n } from "../../i18n/I18nProvider.js";
import { Link } from "react-router";
import { SETTINGS } from "../../lib/routes.js";
import { useOptionalChatServices } from "./context.js";
import { useThisDevice } from "./e2e.js";
import { useNewSignIns } from "./new-sign-ins.js";

/**
 * "A new device signed in to your account": shown on the user's other devices until dismissed,
 * with the way to sign it out if it was not them (Settings, "Your devices").
 */
export function NewSignInNotice() {
  const services = useOptionalChatServices();
  const device = useThisDevice(services?.chat);
  const { devices, dismiss } = useNewSignIns(device.kind === "ready" ? device.deviceId : undefined);
  const { t, lang } = useI18n();
  if (devices.length === 0) return null;
  const when = (ts: number) => new Date(ts).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
  return (
    <section className="notify-banner signin-notice" role="status" aria-labelledby="signin-notice-title">
      <h2 id="signin-notice-title" className="notify-banner-title">
        {t("signIn.newTitle", { count: devices.length })}
      </h2>
      <ul className="signin-notice-list">
        {devices.map((d) => (
          <li key={d.deviceId}>{t("signIn.device", { name: d.name, when: when(d.createdAt) })}</li>
        ))}
      </ul>
      <p>{t("signIn.notYou")}</p>
      <div className="notify-banner-actions">
        <Link className="btn btn-primary btn-small" to={SETTINGS}>
          {t("signIn.review")}
        </Link>
        <button type="button" className="btn btn-ghost btn-small" onClick={dismiss}>
          {t("signIn.itWasMe")}
        </button>
      </div>
    </section>
  );
}
