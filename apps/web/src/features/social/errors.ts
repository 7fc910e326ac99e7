/**
 * What a protocol error code means for each social action, as a sentence (the codes are shared by
 * every command, so "CONFLICT" alone would say too little). Codes without an entry fall back to the
 * catalogue in i18n/en.ts and zh-CN.ts.
 */
import { useMemo } from "react";
import type { ErrorCode } from "@sealroom/proto/errors";
import { useI18n } from "../../i18n/I18nProvider.js";

type Overrides = Partial<Record<ErrorCode, string>>;

export function useSocialErrors() {
  const { t } = useI18n();
  return useMemo(() => {
    const groupGone = t("socialError.groupGone");
    const notAllowed = t("socialError.groupForbidden");
    const disbanded = t("socialError.groupDisbanded");
    const group: Overrides = { NOT_FOUND: groupGone, FORBIDDEN: notAllowed, CONFLICT: disbanded };
    return {
      sendRequest: {
        NOT_FOUND: t("socialError.userGone"),
        CONFLICT: t("socialError.requestConflict"),
      } satisfies Overrides,
      request: { NOT_FOUND: t("socialError.requestGone"), CONFLICT: t("socialError.friendLimit") } satisfies Overrides,
      unfriend: { NOT_FOUND: t("socialError.notFriends") } satisfies Overrides,
      block: { NOT_FOUND: t("socialError.userGone"), CONFLICT: t("socialError.blockConflict") } satisfies Overrides,
      unblock: { NOT_FOUND: t("socialError.notBlocked") } satisfies Overrides,
      create: {
        BAD_REQUEST: t("group.nameInvalid"),
        FORBIDDEN: t("socialError.inviteFriendsOnly"),
        CONFLICT: t("socialError.tooManyGroups"),
      } satisfies Overrides,
      invitation: {
        NOT_FOUND: t("socialError.invitationGone"),
        CONFLICT: t("socialError.invitationConflict"),
      } satisfies Overrides,
      invite: {
        ...group,
        FORBIDDEN: t("socialError.inviteForbidden"),
        CONFLICT: t("socialError.inviteConflict"),
        NOT_FOUND: t("socialError.inviteNotFound"),
      } satisfies Overrides,
      leave: { NOT_FOUND: groupGone, CONFLICT: t("socialError.ownerCannotLeave") } satisfies Overrides,
      member: { ...group, NOT_FOUND: t("socialError.memberGone") } satisfies Overrides,
      rename: { ...group, BAD_REQUEST: t("group.nameInvalid") } satisfies Overrides,
      group,
    };
  }, [t]);
}
