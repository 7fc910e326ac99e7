import { useState } from "react";
import { CenteredLayout } from "../app/CenteredLayout.js";
import { WarningIcon } from "../components/Icons.js";
import { useI18n } from "../i18n/I18nProvider.js";
import { useFocusOnMount } from "../lib/hooks.js";

export function UnreachableScreen({ onRetry }: { onRetry(): Promise<void> }) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [pending, setPending] = useState(false);
  return (
    <CenteredLayout>
      <section className="card" aria-labelledby="unreachable-heading">
        <div className="card-icon card-icon-warning">
          <WarningIcon size={26} />
        </div>
        <h1 id="unreachable-heading" className="card-title" tabIndex={-1} ref={heading}>
          {t("unreachable.title")}
        </h1>
        <p className="card-sub">{t("unreachable.body")}</p>
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary"
            disabled={pending}
            onClick={() => {
              setPending(true);
              void onRetry().finally(() => setPending(false));
            }}
          >
            {t("unreachable.retry")}
          </button>
        </div>
      </section>
    </CenteredLayout>
  );
}
