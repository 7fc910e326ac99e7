import { CenteredLayout } from "../app/CenteredLayout.js";
import { WarningIcon } from "../components/Icons.js";
import { useI18n } from "../i18n/I18nProvider.js";
import { useFocusOnMount } from "../lib/hooks.js";

/** WebCrypto (crypto.subtle) exists only in secure contexts: https, localhost, 127.0.0.1. */
export function InsecureContextScreen({ origin }: { origin: string }) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <CenteredLayout transit={false}>
      <section className="card" aria-labelledby="insecure-heading">
        <div className="card-icon card-icon-warning">
          <WarningIcon size={26} />
        </div>
        <h1 id="insecure-heading" className="card-title" tabIndex={-1} ref={heading}>
          {t("insecure.title")}
        </h1>
        <p className="card-sub">{t("insecure.body")}</p>
        <p>{t("insecure.fix")}</p>
        <p className="muted">{t("insecure.current", { origin })}</p>
      </section>
    </CenteredLayout>
  );
}

export function hasWebCrypto(): boolean {
  return globalThis.isSecureContext === true && typeof globalThis.crypto?.subtle?.importKey === "function";
}
