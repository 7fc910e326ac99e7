/**
 * An old "group/<id>" link (bookmarks, other tabs): a member goes on to the group's conversation
 * with its details open; anyone else is told the group is not theirs to see.
 */
import { useEffect, useState } from "react";
import { groupConversationId } from "@sealroom/sdk/browser";
import { Callout } from "../../components/Callout.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { Link, useNavigate } from "react-router";
import { useFocusOnMount } from "../../lib/hooks.js";
import { GROUPS, detailsPath } from "../../lib/routes.js";
import { useSocial, useSocialStore } from "./context.js";

export function GroupLink({ groupId }: { groupId: number }) {
  const { t, describeError } = useI18n();
  const store = useSocialStore();
  const social = useSocial();
  // Held details count too: a disbanded group is no longer listed, but stays readable.
  const member = social.groups.some((g) => g.id === groupId) || social.groupDetails[groupId] !== undefined;
  const gone = social.goneGroups[groupId];
  const [loadError, setLoadError] = useState<string>();
  const heading = useFocusOnMount<HTMLHeadingElement>(loadError ?? gone);
  const navigate = useNavigate();

  useEffect(() => {
    // Replaced, not pushed: Back from the conversation skips this stop.
    if (member) {
      void navigate(detailsPath(groupConversationId(groupId)), { replace: true });
      return;
    }
    // Not listed (yet): asking the service settles it; a member's details then make `member` true.
    store
      .loadGroup(groupId)
      .catch((err: unknown) => setLoadError(describeError(err, { overrides: { NOT_FOUND: t("group.notFound") } })));
  }, [member, store, groupId, describeError, t, navigate]);

  const message = gone && gone !== "disbanded" ? t(`group.gone.${gone}`) : loadError;
  return (
    <div className="page social-page">
      <Link className="back-link" to={GROUPS}>
        <span aria-hidden="true">‹ </span>
        {t("group.back")}
      </Link>
      <h1 className="page-title" tabIndex={-1} ref={heading}>
        {message ? t("group.unavailableTitle") : t("app.loading")}
      </h1>
      {message && <Callout tone="info">{message}</Callout>}
    </div>
  );
}
