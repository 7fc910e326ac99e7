/**
 * Search from the conversation list (docs/SEARCH.md): one box filters the list by name as the user
 * types and, below it, lists the messages this device can read that contain every word, newest
 * first, each with its conversation, sender, date and a snippet with the matched words marked;
 * filters narrow them by conversation, sender and date. The query and filters are kept in the
 * address (search-params.ts). A result is a link to its message (message-link.ts: the conversation
 * opens there once the history around it is loaded), with the query in it even before the box has
 * written it to the address (which following it does first).
 * The index is on the device (the server cannot read end-to-end encrypted messages).
 */
import { useId, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { Link } from "react-router";
import { SEARCH_QUERY_MAX, type ConversationView, type SearchHit } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useNow } from "../../lib/hooks.js";
import { messagePath } from "../../lib/routes.js";
import { useChatServices, useChatSnapshot, usePeople } from "./context.js";
import { conversationTitle, shortWhen } from "./format.js";
import { useMe } from "./hooks.js";
import { NO_FILTERS, useSearchFilters, useWithQuery, writePendingQuery, type SearchFilters } from "./search-params.js";

const DAY_MS = 86_400_000;
const NEVER_CHANGES = () => () => {};

/** The search box above the list; `query` is the caller's (it filters the list by name too). */
export function SearchField({ query, onChange }: { query: string; onChange(q: string): void }) {
  const { t } = useI18n();
  const { chat } = useChatServices();
  return (
    <div className="search-field" role="search">
      <label className="sr-only" htmlFor="search-input">
        {chat.search ? t("search.label") : t("search.labelNames")}
      </label>
      <input
        id="search-input"
        className="field-input search-input"
        type="search"
        value={query}
        placeholder={chat.search ? t("search.placeholder") : t("search.placeholderNames")}
        autoComplete="off"
        maxLength={SEARCH_QUERY_MAX}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && query !== "") {
            e.preventDefault();
            onChange("");
          } else if (e.key === "ArrowDown") {
            // Down from the box to the first conversation or result; the list's arrows go on from there.
            const first = e.currentTarget.closest(".convlist")?.querySelector<HTMLAnchorElement>("a.conv");
            if (first) {
              e.preventDefault();
              first.focus();
            }
          }
        }}
        data-testid="search-input"
      />
    </div>
  );
}

/** Whether a conversation's shown name contains what was typed (case-insensitive). */
export function useNameFilter(query: string): (view: ConversationView | string) => boolean {
  const { t } = useI18n();
  const me = useMe();
  const { names, displayNames } = usePeople();
  const q = query.trim().toLocaleLowerCase();
  return (view) => {
    if (q === "") return true;
    const title = typeof view === "string" ? view : conversationTitle(view, t, me, names, displayNames);
    return title.toLocaleLowerCase().includes(q);
  };
}

/** The messages section under the filtered list, while something is typed. */
export function MessageResults({ query }: { query: string }) {
  const { t, lang } = useI18n();
  const { chat } = useChatServices();
  const { conversations, byId } = useChatSnapshot();
  const { names, displayNames } = usePeople();
  const me = useMe();
  const now = useNow(60_000);
  const [filters, setFilters] = useSearchFilters();
  const withQuery = useWithQuery(query);
  const search = chat.search;
  // Searched again whenever the index changes (a message arrives, is edited or deleted).
  const revision = useSyncExternalStore(search?.subscribe ?? NEVER_CHANGES, () => search?.revision ?? 0);
  const results = useMemo(() => {
    if (!search) return undefined;
    const from = filters.from ? new Date(`${filters.from}T00:00`).getTime() : undefined;
    const to = filters.to ? new Date(`${filters.to}T00:00`).getTime() + DAY_MS : undefined;
    return search.search(query, {
      ...(filters.conversationId ? { conversationId: filters.conversationId } : {}),
      ...(filters.senderId ? { senderId: Number(filters.senderId) } : {}),
      ...(from !== undefined && !Number.isNaN(from) ? { from } : {}),
      ...(to !== undefined && !Number.isNaN(to) ? { to } : {}),
    });
    // `revision` is what changes when the index does.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search, query, filters, revision]);
  const headingId = useId();
  if (!search || !results) return null;

  const title = (id: string) => {
    const view = byId[id];
    return view ? conversationTitle(view, t, me, names, displayNames) : t("chat.group");
  };
  const senderName = (id: number) =>
    id === me ? t("search.you") : (displayNames[id] ?? names[id] ?? peopleName(conversations, id) ?? t("chat.someone"));
  const senders = senderOptions(conversations, me);
  const set = (k: keyof SearchFilters) => (e: { target: { value: string } }) =>
    setFilters({ ...filters, [k]: e.target.value });
  const filtered = Object.values(filters).some((v) => v !== "");

  return (
    <section className="search-results" aria-labelledby={headingId} data-testid="search-results">
      <h2 className="convlist-heading" id={headingId}>
        {t("search.messages")}
      </h2>
      <details className="search-filters" open={filtered || undefined}>
        <summary>{t("search.filters")}</summary>
        <div className="search-filter-grid">
          <label>
            <span>{t("search.inConversation")}</span>
            <select
              className="field-input"
              value={filters.conversationId}
              onChange={set("conversationId")}
              data-testid="search-filter-conversation"
            >
              <option value="">{t("search.any")}</option>
              {conversations.map((c) => (
                <option key={c.conversationId} value={c.conversationId}>
                  {title(c.conversationId)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("search.from")}</span>
            <select
              className="field-input"
              value={filters.senderId}
              onChange={set("senderId")}
              data-testid="search-filter-sender"
            >
              <option value="">{t("search.anyone")}</option>
              {senders.map((id) => (
                <option key={id} value={String(id)}>
                  {senderName(id)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("search.after")}</span>
            <input
              className="field-input"
              type="date"
              value={filters.from}
              onChange={set("from")}
              data-testid="search-filter-from"
            />
          </label>
          <label>
            <span>{t("search.before")}</span>
            <input
              className="field-input"
              type="date"
              value={filters.to}
              onChange={set("to")}
              data-testid="search-filter-to"
            />
          </label>
          {filtered && (
            <button type="button" className="btn btn-ghost btn-small" onClick={() => setFilters(NO_FILTERS)}>
              {t("search.clearFilters")}
            </button>
          )}
        </div>
      </details>
      <p className="search-count" role="status" data-testid="search-count">
        {!search.ready
          ? t("search.loading")
          : results.total === 0
            ? t("search.none")
            : t(results.exact ? "search.count" : "search.countMore", { count: results.total })}
      </p>
      {results.hits.length > 0 && (
        <ul className="convlist-items" aria-labelledby={headingId}>
          {results.hits.map((hit) => (
            <li key={`${hit.conversationId}/${hit.seq}`}>
              <Link
                className="conv search-hit"
                to={withQuery(messagePath(hit.conversationId, hit.seq))}
                onClick={writePendingQuery}
                data-testid="search-hit"
                data-seq={hit.seq}
              >
                <span className="conv-body">
                  <span className="conv-top">
                    <span className="conv-name" translate="no">
                      <bdi>{title(hit.conversationId)}</bdi>
                      {/* In a DM the title names the other sender already: only "You" is added. */}
                      {(byId[hit.conversationId]?.kind !== "dm" || hit.senderId === me) && (
                        <span className="search-sender">
                          {" · "}
                          <bdi>{senderName(hit.senderId)}</bdi>
                        </span>
                      )}
                    </span>
                    <span className="conv-when">{shortWhen(hit.ts, now, lang)}</span>
                  </span>
                  <span className="search-snippet" data-testid="search-snippet">
                    <bdi>{highlighted(hit.snippet)}</bdi>
                  </span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The snippet with its matched words in <mark> (the ranges come from the index's tokenizer). */
function highlighted(s: SearchHit["snippet"]): ReactNode[] {
  const out: ReactNode[] = [];
  let at = 0;
  if (s.cutStart) out.push("…");
  for (const [start, end] of s.highlights) {
    if (start > at) out.push(s.text.slice(at, start));
    out.push(<mark key={start}>{s.text.slice(start, end)}</mark>);
    at = end;
  }
  if (at < s.text.length) out.push(s.text.slice(at));
  if (s.cutEnd) out.push("…");
  return out;
}

/** Everyone the held conversations name (the user first), for the sender filter. */
function senderOptions(conversations: readonly ConversationView[], me: number | undefined): number[] {
  const ids = new Set<number>();
  if (me !== undefined) ids.add(me);
  for (const c of conversations) {
    if (c.peer) ids.add(c.peer.id);
    for (const id of Object.keys(c.people)) ids.add(Number(id));
  }
  return [...ids];
}

function peopleName(conversations: readonly ConversationView[], id: number): string | undefined {
  for (const c of conversations) {
    if (c.peer?.id === id) return c.peer.username;
    const name = c.people[id];
    if (name !== undefined) return name;
  }
  return undefined;
}
