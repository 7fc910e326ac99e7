/**
 * Links to one message: `#/chat/<conversationId>/m/<seq>` in the app's hash routes, so a link opens
 * the conversation like any chat route (lib/hooks.ts) and, here, goes to the message the way a
 * search result does (jump.ts with ChatStore.loadAround). Handled when the app loads with such a
 * hash and on every hashchange; the hash is then put back to the conversation's own, so the same
 * link followed again is a change again. A conversation the user cannot see (not a member, not a
 * friend's DM, or gone) sends them to the list with a notice instead of an empty conversation.
 */
import { useEffect, useSyncExternalStore } from "react";
import { chatRoute, hrefFor } from "../../lib/hooks.js";
import { useChatServices } from "./context.js";
import { jumpTo, type JumpTarget } from "./jump.js";

const LINK = /^#\/?chat\/([a-z]+:[0-9:]+)\/m\/([1-9][0-9]{0,15})$/;

/** The app's address of the message: this page with the link's hash. */
export function messageLink(conversationId: string, seq: number): string {
  const { origin, pathname, search } = window.location;
  return `${origin}${pathname}${search}#/chat/${conversationId}/m/${seq}`;
}

export function parseMessageLink(hash: string): JumpTarget | undefined {
  const m = LINK.exec(hash);
  const [, conversationId, seq] = m ?? [];
  return conversationId && seq ? { conversationId, seq: Number(seq) } : undefined;
}

let unavailable = false;
const listeners = new Set<() => void>();
function setUnavailable(next: boolean): void {
  if (unavailable === next) return;
  unavailable = next;
  for (const l of listeners) l();
}

/** A followed link named a conversation the user cannot see (shown until the next conversation opens). */
export function useLinkUnavailable(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => unavailable,
  );
}

/** Follows message links, at load and on hashchange; once, in the signed-in app. */
export function useMessageLinks(): void {
  const { chat } = useChatServices();
  useEffect(() => {
    let unsubscribe: (() => void) | undefined;
    const stop = () => {
      unsubscribe?.();
      unsubscribe = undefined;
    };
    const follow = () => {
      stop();
      const target = parseMessageLink(window.location.hash);
      if (!target) {
        if (/^#\/?chat\//.test(window.location.hash)) setUnavailable(false);
        return;
      }
      setUnavailable(false);
      history.replaceState(history.state, "", hrefFor(chatRoute(target.conversationId)));
      jumpTo(target);
      // The store lists every conversation of the user that holds a message: once it is up to date,
      // one it does not list is one this user cannot see (loadAround would list it, so it waits).
      const check = () => {
        const snapshot = chat.getSnapshot();
        if (snapshot.status !== "up-to-date") return;
        stop();
        if (snapshot.byId[target.conversationId]) {
          chat.loadAround(target.conversationId, target.seq).catch(() => undefined); // the timeline says what failed
          return;
        }
        window.location.hash = hrefFor("home");
        setUnavailable(true);
      };
      unsubscribe = chat.subscribe(check);
      check();
    };
    follow();
    window.addEventListener("hashchange", follow);
    return () => {
      stop();
      window.removeEventListener("hashchange", follow);
    };
  }, [chat]);
}
