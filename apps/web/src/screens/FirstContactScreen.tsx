import { useState } from "react";
import { CenteredLayout } from "../app/CenteredLayout.js";
import { Callout } from "../components/Callout.js";
import { Fingerprint } from "../components/Fingerprint.js";
import { ShieldIcon } from "../components/Icons.js";
import { useI18n } from "../i18n/I18nProvider.js";
import { useFocusOnMount } from "../lib/hooks.js";

export function FirstContactScreen({
  host,
  fingerprint,
  onContinue,
}: {
  host: string;
  fingerprint: string;
  onContinue(): Promise<void>;
}) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [noMatch, setNoMatch] = useState(false);
  const [pending, setPending] = useState(false);

  return (
    <CenteredLayout wide>
      <section className="card" aria-labelledby="fc-heading">
        <div className="card-icon card-icon-accent">
          <ShieldIcon size={26} />
        </div>
        <h1 id="fc-heading" className="card-title" tabIndex={-1} ref={heading}>
          {t("firstContact.title")}
        </h1>
        <p className="card-sub">{t("firstContact.lead")}</p>
        <p>{t("firstContact.compare")}</p>
        <dl className="kv">
          <dt>{t("firstContact.server")}</dt>
          <dd>
            <code translate="no">{host}</code>
          </dd>
        </dl>
        <Fingerprint value={fingerprint} label={t("firstContact.fingerprint")} testId="first-contact-fingerprint" />
        <div role="status" className="live">
          {noMatch && <Callout tone="error">{t("firstContact.noMatchAdvice")}</Callout>}
        </div>
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary"
            disabled={pending}
            onClick={() => {
              setPending(true);
              void onContinue().finally(() => setPending(false));
            }}
          >
            {t("firstContact.continue")}
          </button>
          <button type="button" className="btn btn-ghost" aria-expanded={noMatch} onClick={() => setNoMatch(true)}>
            {t("firstContact.noMatch")}
          </button>
        </div>
      </section>
    </CenteredLayout>
  );
}
