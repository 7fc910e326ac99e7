/**
 * The signed-in app's addresses. They live in the URL's hash (`#/chat/dm:3:7`), read by React
 * Router's hash history (app/routes.tsx): a reload, a bookmark or a link opened in another tab lands
 * on the same view, and the server (and the service worker's offline shell) only ever serves `/`.
 *
 *   #/                              the conversation list (the main area invites a pick)
 *   #/settings, #/friends, #/groups the pages of the navigation
 *   #/chat/<conversationId>         one conversation (dm:3:7, group:12)
 *   #/chat/group:<id>/details       a group's conversation with its details panel open
 *   #/chat/<conversationId>/m/<seq> a link to one message (features/chat/message-link.ts)
 *   #/group/<id>                    the old group page's address, sent on to its details
 *   ...?q=<words>                   the search box's query (and its filters) on any of them
 */
import { useCallback } from "react";
import { matchPath, useLocation, useNavigate, type To } from "react-router";

export const HOME = "/";
export const SETTINGS = "/settings";
export const FRIENDS = "/friends";
export const GROUPS = "/groups";

/** The patterns of app/routes.tsx, for matching a location outside the route that renders it. */
export const CHAT_PATTERN = "/chat/:conversationId";
export const DETAILS_PATTERN = "/chat/:conversationId/details";
export const MESSAGE_PATTERN = "/chat/:conversationId/m/:seq";

export const chatPath = (conversationId: string): string => `/chat/${conversationId}`;
export const detailsPath = (conversationId: string): string => `/chat/${conversationId}/details`;
export const messagePath = (conversationId: string, seq: number): string => `/chat/${conversationId}/m/${seq}`;

const CONVERSATION_ID = /^[a-z]+:[0-9:]+$/;
const GROUP_ID = /^[1-9][0-9]{0,9}$/;
const SEQ = /^[1-9][0-9]{0,15}$/;

/** A conversation id as the app's links write it (the SDK's parseConversationId says which kind). */
export function conversationParam(s: string | undefined): string | undefined {
  return s !== undefined && CONVERSATION_ID.test(s) ? s : undefined;
}

export function groupParam(s: string | undefined): number | undefined {
  return s !== undefined && GROUP_ID.test(s) ? Number(s) : undefined;
}

export function seqParam(s: string | undefined): number | undefined {
  return s !== undefined && SEQ.test(s) ? Number(s) : undefined;
}

/** Where a location is, as the frame (navigation, list, phone views) needs to know. */
export interface Place {
  /** The navigation entry it belongs to. */
  section: "home" | "settings" | "friends" | "groups";
  /** The open conversation, if any (with its details panel, or at a message link). */
  conversationId?: string;
  details: boolean;
}

export function placeOf(pathname: string): Place {
  const chat = matchPath({ path: CHAT_PATTERN, end: false }, pathname);
  const conversationId = conversationParam(chat?.params.conversationId);
  if (conversationId !== undefined) {
    return { section: "home", conversationId, details: matchPath(DETAILS_PATTERN, pathname) !== null };
  }
  if (pathname === SETTINGS) return { section: "settings", details: false };
  if (pathname === FRIENDS) return { section: "friends", details: false };
  if (pathname === GROUPS || matchPath("/group/:groupId", pathname)) return { section: "groups", details: false };
  return { section: "home", details: false };
}

export function usePlace(): Place {
  return placeOf(useLocation().pathname);
}

/**
 * `path` with the current search (`?q=`) kept: the sidebar's links and the conversation's own
 * move the view, not the search beside it.
 */
export function useWithSearch(): (path: string) => To {
  const { search } = useLocation();
  return useCallback((pathname: string) => ({ pathname, search }), [search]);
}

/** Marks a history entry made by opening a panel, so closing it can go back over it. */
const OPENED_HERE = "sealroom.openedHere";

function openedHere(state: unknown): boolean {
  return typeof state === "object" && state !== null && OPENED_HERE in state && state[OPENED_HERE] === true;
}

const OPENED_HERE_STATE = { [OPENED_HERE]: true } as const;

/**
 * Opening and closing a group conversation's details panel. Opening pushes an entry of its own, so
 * Back closes it. Closing goes back over that entry where this page opened it (Back after closing
 * then does not reopen it); on a reloaded or followed link, it replaces the entry.
 */
export function useDetailsNavigation(conversationId: string): { show(): void; hide(): void } {
  const navigate = useNavigate();
  const location = useLocation();
  const { search, pathname, state } = location;
  const show = useCallback(
    () => void navigate({ pathname: detailsPath(conversationId), search }, { state: OPENED_HERE_STATE }),
    [navigate, conversationId, search],
  );
  const hide = useCallback(() => {
    if (openedHere(state) && pathname === detailsPath(conversationId)) void navigate(-1);
    else void navigate({ pathname: chatPath(conversationId), search }, { replace: true });
  }, [navigate, conversationId, search, pathname, state]);
  return { show, hide };
}
