/**
 * Where a message link (a search result, a copied link) asked the timeline to go: one conversation
 * and seq at a time, for the page (outside React, like the services). Following the link
 * (message-link.ts) sets it and opens the conversation; the timeline
 * (MessageList) scrolls to the message once it is on screen, marks it, and takes the target. A
 * target not reached within JUMP_TTL_MS (a message this user cannot see there) is dropped, so it
 * does not pull the view to the message when it shows up later.
 */
import { useSyncExternalStore } from "react";

export interface JumpTarget {
  conversationId: string;
  seq: number;
}

const JUMP_TTL_MS = 15_000;

let target: JumpTarget | undefined;
let expiry: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

export function jumpTo(next: JumpTarget): void {
  target = next;
  clearTimeout(expiry);
  expiry = setTimeout(() => jumpDone(next), JUMP_TTL_MS);
  for (const l of listeners) l();
}

/** The target is reached (or given up): the timeline stops looking for it. */
export function jumpDone(reached: JumpTarget): void {
  if (target !== reached) return;
  target = undefined;
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The target in this conversation, if any. */
export function useJumpTarget(conversationId: string): JumpTarget | undefined {
  const t = useSyncExternalStore(subscribe, () => target);
  return t?.conversationId === conversationId ? t : undefined;
}
