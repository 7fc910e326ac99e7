/**
 * Links to one message: `#/chat/<conversationId>/m/<seq>` (lib/routes.ts), a child route of the
 * conversation's, so a link opens the conversation like any chat address and, here, goes to the
 * message the way a search result does (jump.ts with ChatStore.loadAround). The address is then
 * put back to the conversation's own (replaced), so the same link followed again is a change again.
 * A conversation the user cannot see (not a member, not a friend's DM, or gone) sends them to the
 * list with a notice instead of an empty conversation.
 */
import { useEffect, useRef, useSyncExternalStore } from "react";
import { matchPath, useLocation, useNavigate } from "react-router";
import {
  HOME,
  MESSAGE_PATTERN,
  chatPath,
  conversationParam,
  messagePath,
  seqParam,
  usePlace,
} from "../../lib/routes.js";
import { useChatServices } from "./context.js";
import { jumpTo, type JumpTarget } from "./jump.js";

/** The app's address of the message: this page with the link's hash. */
export function messageLink(conversationId: string, seq: number): string {
  const { origin, pathname, search } = window.location;
  return `${origin}${pathname}${search}#${messagePath(conversationId, seq)}`;
}

/** The message a location's path links to; undefined for any other path, or a malformed link. */
export function parseMessageLink(pathname: string): JumpTarget | undefined {
  const m = matchPath(MESSAGE_PATTERN, pathname);
  const conversationId = conversationParam(m?.params.conversationId);
  const seq = seqParam(m?.params.seq);
  return conversationId !== undefined && seq !== undefined ? { conversationId, seq } : undefined;
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

/**
 * Follows message links; once, in the signed-in frame (it outlives the link's own route, which it
 * replaces with the conversation's).
 */
export function useMessageLinks(): void {
  const { chat } = useChatServices();
  const location = useLocation();
  const navigate = useNavigate();
  const open = usePlace().conversationId;
  /** The link being followed: its conversation, and how to stop waiting for the store. */
  const following = useRef<{ conversationId: string; stop(): void }>(undefined);
  const target = parseMessageLink(location.pathname);
  const targetKey = target && `${target.conversationId}/${target.seq}`;

  useEffect(() => {
    if (!target) {
      // Another view than the followed link's conversation: nothing to wait for any more.
      if (following.current && following.current.conversationId !== open) {
        following.current.stop();
        following.current = undefined;
      }
      if (open !== undefined) setUnavailable(false);
      return;
    }
    following.current?.stop();
    setUnavailable(false);
    void navigate({ pathname: chatPath(target.conversationId), search: location.search }, { replace: true });
    jumpTo(target);
    // The store lists every conversation of the user that holds a message: once it is up to date,
    // one it does not list is one this user cannot see (loadAround would list it, so it waits).
    let unsubscribe: (() => void) | undefined;
    const stop = () => {
      unsubscribe?.();
      unsubscribe = undefined;
    };
    following.current = { conversationId: target.conversationId, stop };
    const check = () => {
      const snapshot = chat.getSnapshot();
      if (snapshot.status !== "up-to-date") return;
      stop();
      if (snapshot.byId[target.conversationId]) {
        chat.loadAround(target.conversationId, target.seq).catch(() => undefined); // the timeline says what failed
        return;
      }
      void navigate(HOME);
      setUnavailable(true);
    };
    unsubscribe = chat.subscribe(check);
    check();
    // `targetKey` and `location.key` stand for `target` (a new object each render) and each visit.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [targetKey, location.key, open, chat, navigate]);
  useEffect(() => () => following.current?.stop(), []);
}
