/** Finding people by username prefix (debounced), with the right action for each result. */
import { useEffect, useId, useRef, useState } from "react";
import type { PublicUser } from "@sealroom/proto/auth";
import { LiveMessage } from "../../components/Callout.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useSocial, useSocialStore } from "./context.js";
import { PersonRow, personOf } from "./Person.js";
import type { ActionState } from "./useAction.js";
import { useSocialErrors } from "./errors.js";

const DEBOUNCE_MS = 300;

export function PeopleSearch({ action }: { action: ActionState }) {
  const { t, describeError } = useI18n();
  const store = useSocialStore();
  const social = useSocial();
  const errors = useSocialErrors();
  const inputId = useId();
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<{ prefix: string; users: PublicUser[] }>();
  const [searchError, setSearchError] = useState<string>();
  const [searching, setSearching] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    const prefix = query.trim();
    const mine = ++seq.current;
    if (!prefix) {
      setResults(undefined);
      setSearchError(undefined);
      setSearching(false);
      return;
    }
    setSearching(true);
    const timer = setTimeout(() => {
      store.search(prefix, 10).then(
        (users) => {
          if (mine !== seq.current) return; // a newer query is on its way
          setResults({ prefix, users });
          setSearchError(undefined);
          setSearching(false);
          // Display names of the results the user may see (friends, fellow members); the rest stay usernames.
          if (users.length > 0) store.loadProfiles(users.map((u) => u.id)).catch(() => undefined);
        },
        (err: unknown) => {
          if (mine !== seq.current) return;
          setSearchError(describeError(err));
          setSearching(false);
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, store, describeError]);

  const outgoingTo = new Map(social.outgoing.map((r) => [r.to.id, r]));
  const incomingFrom = new Map(social.incoming.map((r) => [r.from.id, r]));
  const blocked = new Set(social.blocked.map((b) => b.user.id));

  const statusText = searching
    ? t("friends.searching")
    : results
      ? results.users.length === 0
        ? t("friends.noResults", { query: results.prefix })
        : t("friends.resultCount", { count: results.users.length })
      : "";

  return (
    <section className="panel" aria-labelledby="find-heading">
      <h2 id="find-heading" className="panel-title">
        {t("friends.find")}
      </h2>
      <div className="field">
        <label className="field-label" htmlFor={inputId}>
          {t("friends.searchLabel")}
        </label>
        <input
          id={inputId}
          className="field-input search-input"
          type="search"
          value={query}
          maxLength={128}
          onChange={(e) => setQuery(e.target.value)}
          placeholder={t("friends.searchPlaceholder")}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          aria-describedby={`${inputId}-status`}
        />
      </div>
      <p id={`${inputId}-status`} className="search-status muted small" role="status">
        {statusText}
      </p>
      <LiveMessage kind="alert" tone="error" message={searchError} />
      {results && results.users.length > 0 && (
        <ul className="people" aria-label={t("friends.results")}>
          {results.users.map((u) => {
            const friend = social.friendsById.get(u.id);
            const out = outgoingTo.get(u.id);
            const inc = incomingFrom.get(u.id);
            const key = `request:${u.id}`;
            let sub: string | undefined;
            let control;
            if (friend) sub = t("friends.alreadyFriends");
            else if (blocked.has(u.id)) sub = t("friends.youBlocked");
            else if (out) sub = t("friends.requestSent");
            else if (inc) {
              sub = t("friends.wantsToBeFriends");
              control = (
                <button
                  type="button"
                  className="btn btn-primary btn-sm"
                  disabled={action.pending !== undefined}
                  onClick={() =>
                    void action.run(`accept:${inc.id}`, () => store.acceptRequest(inc.id), {
                      overrides: errors.request,
                      done: t("friends.nowFriends", { name: u.username }),
                    })
                  }
                >
                  {t("friends.accept")}
                </button>
              );
            } else {
              control = (
                <button
                  type="button"
                  className="btn btn-secondary btn-sm"
                  aria-label={t("friends.addNamed", { name: u.username })}
                  disabled={action.pending !== undefined}
                  onClick={() =>
                    void action.run(key, () => store.requestFriend(u.id), {
                      overrides: errors.sendRequest,
                      // They had asked too: the two requests became a friendship.
                      done: (status) =>
                        t(status === "friends" ? "friends.nowFriends" : "friends.requestSentTo", { name: u.username }),
                    })
                  }
                >
                  {action.pending === key ? t("social.working") : t("friends.add")}
                </button>
              );
            }
            return (
              <PersonRow
                key={u.id}
                {...personOf(social.profiles, u)}
                sub={sub}
                actions={control}
                testId="search-result"
              />
            );
          })}
        </ul>
      )}
    </section>
  );
}
