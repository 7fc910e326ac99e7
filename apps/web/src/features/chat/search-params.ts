/**
 * The search's query and filters live in the address beside whatever view is open
 * (`#/chat/dm:1:2?q=lighthouse&by=2&after=2026-11-01`), so a reload or a copied link brings the
 * search and its results back, and Back after opening a result returns to them. Starting a search
 * adds a history entry (Back from it is where the user was before); refining it replaces that entry.
 * The box answers every keystroke from its own state and writes the address a moment after typing
 * stops: one history write per pause, not per key (Safari refuses more than 100 in 10 s). A link
 * under the box followed before that write (a result, a conversation) carries the box's query and
 * writes it first, so the history is the same as after a pause and the query is not lost.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useLocation, useNavigate, useSearchParams, type To } from "react-router";
import { SEARCH_QUERY_MAX } from "@sealroom/sdk/browser";
import { conversationParam } from "../../lib/routes.js";

export interface SearchFilters {
  conversationId: string;
  senderId: string;
  /** Dates as the date inputs write them (YYYY-MM-DD), local time. */
  from: string;
  to: string;
}

export const NO_FILTERS: SearchFilters = { conversationId: "", senderId: "", from: "", to: "" };

/** The address's names for the query and each filter. */
const PARAM = { query: "q", conversationId: "in", senderId: "by", from: "after", to: "before" } as const;

const FILTERS = ["conversationId", "senderId", "from", "to"] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const USER_ID = /^[1-9][0-9]{0,9}$/;
const WRITE_DELAY_MS = 300;

/** The box's address write waiting for typing to pause (the page has one box). */
let pending: { timer: ReturnType<typeof setTimeout>; write(): void } | undefined;

function cancelPendingQuery(): void {
  if (pending) clearTimeout(pending.timer);
  pending = undefined;
}

/**
 * Writes the box's query into the address now if it is waiting for a pause. A link under the box
 * calls it as it is followed: the search then gets its own history entry before the link's (Back
 * from a result returns to the results), as when the user paused first, and no write lands later
 * on the address the link opened, or is lost under it (message-link.ts replaces that address).
 */
export function writePendingQuery(): void {
  const p = pending;
  cancelPendingQuery();
  p?.write();
}

/** The query in an address, bounded as the box bounds it. */
export function queryOf(params: URLSearchParams): string {
  return (params.get(PARAM.query) ?? "").slice(0, SEARCH_QUERY_MAX);
}

/** The filters in an address; one that does not parse is left out, as if not set. */
export function filtersOf(params: URLSearchParams): SearchFilters {
  const get = (k: keyof SearchFilters, valid: (v: string) => boolean) => {
    const v = params.get(PARAM[k]) ?? "";
    return valid(v) ? v : "";
  };
  return {
    conversationId: get("conversationId", (v) => conversationParam(v) !== undefined),
    senderId: get("senderId", (v) => USER_ID.test(v)),
    from: get("from", (v) => DATE.test(v)),
    to: get("to", (v) => DATE.test(v)),
  };
}

/** `params` with the query set (and, when it is cleared, the filters with it: they refine a search). */
export function withQuery(params: URLSearchParams, query: string): URLSearchParams {
  const next = new URLSearchParams(params);
  if (query === "") for (const name of Object.values(PARAM)) next.delete(name);
  else next.set(PARAM.query, query);
  return next;
}

export function withFilters(params: URLSearchParams, filters: SearchFilters): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const k of FILTERS) {
    if (filters[k] === "") next.delete(PARAM[k]);
    else next.set(PARAM[k], filters[k]);
  }
  return next;
}

/** The search box's text, kept in the address. */
export function useSearchQuery(): [string, (query: string) => void] {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { state } = useLocation();
  const inAddress = queryOf(params);
  const [query, setLocal] = useState(inAddress);
  const written = useRef(inAddress);
  const latest = useRef({ params, state });
  latest.current = { params, state };

  // The address changed by itself (Back, a link, a reload): the box follows it.
  useEffect(() => {
    if (inAddress === written.current) return;
    cancelPendingQuery();
    written.current = inAddress;
    setLocal(inAddress);
  }, [inAddress]);
  useEffect(() => cancelPendingQuery, []);

  const setQuery = useCallback(
    (next: string) => {
      setLocal(next);
      cancelPendingQuery();
      const write = () => {
        const { params: now, state: kept } = latest.current;
        const started = queryOf(now) === "" && next !== "";
        written.current = next;
        // A search-only address: the view the user is on by then stays. A refined search keeps the
        // entry's marks (state); a new entry has none of its own (the details panel was not opened in it).
        void navigate({ search: withQuery(now, next).toString() }, { replace: !started, state: started ? null : kept });
      };
      pending = { write, timer: setTimeout(writePendingQuery, WRITE_DELAY_MS) };
    },
    [navigate],
  );
  return [query, setQuery];
}

/**
 * `path` with the address's search and the box's `query` in it, for the links under the box: one
 * followed before the query is written (writePendingQuery, as it is followed) still carries it.
 * While the box and the address agree, the address's search as it is (useWithSearch's link).
 */
export function useWithQuery(query: string): (path: string) => To {
  const [params] = useSearchParams();
  const { search } = useLocation();
  return useCallback(
    (pathname: string) => ({
      pathname,
      search: query === queryOf(params) ? search : withQuery(params, query).toString(),
    }),
    [params, search, query],
  );
}

/** The results' filters, kept in the address (each change replaces the entry: it refines the search). */
export function useSearchFilters(): [SearchFilters, (filters: SearchFilters) => void] {
  const [params, setParams] = useSearchParams();
  const { state } = useLocation();
  const filters = filtersOf(params);
  const set = useCallback(
    (next: SearchFilters) => setParams((now) => withFilters(now, next), { replace: true, state }),
    [setParams, state],
  );
  return [filters, set];
}
