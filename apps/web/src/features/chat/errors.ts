import type { I18n } from "../../i18n/I18nProvider.js";

/** A chat command's refusal in words that fit the conversation (a DM refusal is about friendship). */
export function chatErrorText(err: unknown, kind: "dm" | "group", i18n: Pick<I18n, "t" | "describeError">): string {
  const { t, describeError } = i18n;
  return describeError(err, {
    overrides: {
      FORBIDDEN: kind === "dm" ? t("chat.error.dmForbidden") : t("chat.error.groupForbidden"),
      NOT_FOUND: t("chat.error.notFound"),
      PAYLOAD_TOO_LARGE: t("chat.error.tooLong"),
      CONFLICT: t("chat.error.conflict"),
    },
  });
}
