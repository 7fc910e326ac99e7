/**
 * What the router shows instead of a view that threw while rendering (React Router's own page is
 * English-only and meant for developers). The error itself goes to the console, as React Router
 * logs it; nothing of it is shown, since it may quote the view's data.
 */
import { useI18n } from "../i18n/I18nProvider.js";
import { useFocusOnMount } from "../lib/hooks.js";

export function RouteError() {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <div className="page" role="alert" data-testid="route-error">
      <h1 className="page-title" tabIndex={-1} ref={heading}>
        {t("app.error.title")}
      </h1>
      <p>{t("app.error.body")}</p>
      <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
        {t("app.error.reload")}
      </button>
    </div>
  );
}
