/** Outcomes the user may have missed (a request accepted, removed from a group), until dismissed. */
import { useState } from "react";
import type { Notice } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useSocial, useSocialStore } from "./context.js";

export function Notices({ kinds = "all" }: { kinds?: "all" | "friends" | "groups" }) {
  const { t, describeError } = useI18n();
  const { notices } = useSocial();
  const store = useSocialStore();
  const [error, setError] = useState<string>();
  const shown = notices.filter((n) => kinds === "all" || (kinds === "friends") === n.type.startsWith("friendRequest."));
  if (shown.length === 0) return null;
  const dismiss = (ids: number[]) => {
    setError(undefined);
    store.dismissNotices(ids).catch((err: unknown) => setError(describeError(err)));
  };
  return (
    <section className="notices" aria-label={t("notices.label")}>
      <ul>
        {shown.map((n) => (
          <li key={n.id} className="notice">
            <span className="notice-dot" aria-hidden="true" />
            <span className="notice-text">{noticeText(t, n)}</span>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => dismiss([n.id])} aria-label={t("notices.dismissOne", { text: noticeText(t, n) })}>
              {t("notices.dismiss")}
            </button>
          </li>
        ))}
      </ul>
      {error && <p className="field-error">{error}</p>}
    </section>
  );
}

function noticeText(t: ReturnType<typeof useI18n>["t"], n: Notice): string {
  switch (n.type) {
    case "friendRequest.accepted":
      return t("notices.accepted", { name: n.data.user.username });
    case "friendRequest.declined":
      return t("notices.declined", { name: n.data.user.username });
    case "group.kicked":
      return t("notices.kicked", { group: n.data.group.name, name: n.data.by.username });
    case "group.disbanded":
      return t("notices.disbanded", { group: n.data.group.name, name: n.data.by.username });
  }
}
