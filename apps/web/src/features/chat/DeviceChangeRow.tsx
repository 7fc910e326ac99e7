/**
 * A timeline notice that a DM contact's or a group member's devices changed (device-changes.ts):
 * plain text in the timeline, so a screen reader reads it in order with the messages, and a button
 * to that person's safety number in the encryption details.
 */
import { useI18n } from "../../i18n/I18nProvider.js";
import { changeKind, type TimelineNotice } from "./device-changes.js";
import { isolated } from "./isolate.js";

export interface DeviceNotices {
  notices: readonly TimelineNotice[];
  /** The name of the person a notice is about, as the conversation shows it. */
  nameOf(notice: TimelineNotice): string;
  /** Opens the encryption details at that person's safety number. */
  onReview(notice: TimelineNotice): void;
}

export function DeviceChangeRow({
  notice,
  nameOf,
  onReview,
}: { notice: TimelineNotice } & Omit<DeviceNotices, "notices">) {
  const { t } = useI18n();
  const name = nameOf(notice);
  return (
    <div className="sys device-change" data-testid="device-change" data-kind={changeKind(notice)}>
      <p>
        {isolated(t, `deviceChange.${changeKind(notice)}`, { name })}
        {notice.wasVerified && <> {isolated(t, "deviceChange.wasVerified", { name })}</>}
      </p>
      <button
        type="button"
        className="btn btn-ghost btn-small"
        // In a group several members' notices offer the same button: its name says whose number.
        aria-label={notice.userId === undefined ? undefined : t("deviceChange.viewNamed", { name })}
        onClick={() => onReview(notice)}
      >
        {t("deviceChange.view")}
      </button>
    </div>
  );
}
