/**
 * A timeline notice that a DM contact's devices changed (device-changes.ts): plain text in the
 * timeline, so a screen reader reads it in order with the messages, and a button to the safety
 * number in the encryption details.
 */
import { useI18n } from "../../i18n/I18nProvider.js";
import { changeKind, type DeviceChangeNotice } from "./device-changes.js";
import { isolated } from "./isolate.js";

export interface DeviceNotices {
  notices: readonly DeviceChangeNotice[];
  /** The contact's name as the conversation shows it. */
  name: string;
  /** Opens the encryption details with the safety number. */
  onReview(): void;
}

export function DeviceChangeRow({
  notice,
  name,
  onReview,
}: { notice: DeviceChangeNotice } & Omit<DeviceNotices, "notices">) {
  const { t } = useI18n();
  return (
    <div className="sys device-change" data-testid="device-change" data-kind={changeKind(notice)}>
      <p>
        {isolated(t, `deviceChange.${changeKind(notice)}`, { name })}
        {notice.wasVerified && <> {isolated(t, "deviceChange.wasVerified", { name })}</>}
      </p>
      <button type="button" className="btn btn-ghost btn-small" onClick={onReview}>
        {t("deviceChange.view")}
      </button>
    </div>
  );
}
