import { useEffect, useRef, useState, useSyncExternalStore, type RefObject } from "react";

/** Moves keyboard and screen-reader focus to an element when a screen appears (or `key` changes). */
export function useFocusOnMount<T extends HTMLElement>(key?: unknown): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: false });
  }, [key]);
  return ref;
}

/** Milliseconds left until `deadline` (a Date.now() value), re-rendering every second; 0 when past. */
export function useCountdown(deadline: number | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (deadline === undefined) return;
    setNow(Date.now());
    const timer = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= deadline) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [deadline]);
  return deadline === undefined ? 0 : Math.max(0, deadline - now);
}

/**
 * "chat/<conversationId>": one open conversation (e.g. chat/dm:3:7, chat/group:12);
 * "chat/group:<id>/details": a group's conversation with its details panel open beside it.
 */
export type Route = "home" | "settings" | `chat/${string}` | "friends" | "groups" | `group/${number}`;

function routeFromHash(hash: string): Route {
  const path = safeDecode(hash.replace(/^#\/?/, ""));
  if (path === "settings") return "settings";
  if (/^chat\/[a-z]+:[0-9:]+$/.test(path) || /^chat\/group:[1-9][0-9]{0,9}\/details$/.test(path)) return path as Route;
  // A link to a message opens its conversation (message-link.ts goes to the message).
  const message = /^(chat\/[a-z]+:[0-9:]+)\/m\/[1-9][0-9]{0,15}$/.exec(path);
  if (message) return message[1] as Route;
  if (path === "friends" || path === "groups" || /^group\/[1-9][0-9]{0,9}$/.test(path)) return path as Route;
  return "home";
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function hrefFor(route: Route): string {
  return route === "home" ? "#/" : `#/${route}`;
}

export function chatRoute(conversationId: string): Route {
  return `chat/${conversationId}`;
}

/** The group a "group/<id>" route shows, if any. */
export function groupOf(route: Route): number | undefined {
  return route.startsWith("group/") ? Number(route.slice(6)) : undefined;
}

const DETAILS = "/details";

/** The group conversation with its details panel open. */
export function detailsRoute(conversationId: string): Route {
  return `chat/${conversationId}${DETAILS}`;
}

/** Whether a route opens its conversation with the group's details beside it. */
export function detailsOpen(route: Route): boolean {
  return route.startsWith("chat/") && route.endsWith(DETAILS);
}

/** The conversation a route opens, if any. */
export function conversationOf(route: Route): string | undefined {
  if (!route.startsWith("chat/")) return undefined;
  return detailsOpen(route) ? route.slice(5, -DETAILS.length) : route.slice(5);
}

/** Marks a history entry made by opening the details panel, so closing it can go back over it. */
const OPENED_HERE = "sealroom.detailsOpened";

/** Opens a group conversation's details panel: a history entry of its own, so Back closes it. */
export function showDetails(conversationId: string): void {
  window.location.hash = hrefFor(detailsRoute(conversationId));
  history.replaceState({ ...objectState(), [OPENED_HERE]: true }, "");
}

/**
 * Closes the details panel. Where this page opened it, by going back over that entry (Back after
 * closing then does not reopen it); on a reloaded or followed link, by replacing the entry.
 */
export function hideDetails(conversationId: string): void {
  if (objectState()[OPENED_HERE] === true && window.location.hash === hrefFor(detailsRoute(conversationId))) {
    history.back();
  } else {
    window.location.replace(hrefFor(chatRoute(conversationId)));
  }
}

function objectState(): Record<string, unknown> {
  const state: unknown = history.state;
  return typeof state === "object" && state !== null ? { ...state } : {};
}

/** The signed-in view, kept in the URL hash so reload and the back button work without a server route. */
export function useHashRoute(): Route {
  const hash = useSyncExternalStore(
    (onChange) => {
      window.addEventListener("hashchange", onChange);
      return () => window.removeEventListener("hashchange", onChange);
    },
    () => window.location.hash,
  );
  return routeFromHash(hash);
}

/** Date.now(), refreshed every `intervalMs`, so relative labels ("Today", "5 min ago") stay true while a screen is open. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

const subscribeOnline = (onChange: () => void): (() => void) => {
  globalThis.addEventListener("online", onChange);
  globalThis.addEventListener("offline", onChange);
  return () => {
    globalThis.removeEventListener("online", onChange);
    globalThis.removeEventListener("offline", onChange);
  };
};

/**
 * The browser's own idea of the network (navigator.onLine). "false" is reliable (no network at
 * all); "true" only means some network, so the connection badge stays the authority on the server.
 */
export function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine);
}
