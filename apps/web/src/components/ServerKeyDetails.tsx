import { useI18n } from "../i18n/I18nProvider.js";
import { fingerprintOf, shortFingerprint } from "../state/server-key.js";
import { Fingerprint } from "./Fingerprint.js";
import { KeyIcon } from "./Icons.js";

/** The pinned key, folded: the first and last groups, expandable to the full fingerprint. */
export function ServerKeyDetails({ keyId }: { keyId: string }) {
  const { t } = useI18n();
  const fp = fingerprintOf(keyId);
  return (
    <details className="key-details">
      <summary>
        <KeyIcon size={15} />
        <span>{t("auth.serverKey")}</span>
        <code translate="no">{shortFingerprint(keyId)}</code>
      </summary>
      <Fingerprint value={fp} />
    </details>
  );
}
