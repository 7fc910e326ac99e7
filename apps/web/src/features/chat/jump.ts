/**
 * Where a search result asked the timeline to go: one conversation and seq at a time, for the page
 * (outside React, like the services). The result sets it and opens the conversation; the timeline
 * (MessageList) scrolls to the message once it is on screen, marks it, and takes the target.
 */
import { useSyncExternalStore } from "react";

export interface JumpTarget {
  conversationId: string;
  seq: number;
}

let target: JumpTarget | undefined;
const listeners = new Set<() => void>();

export function jumpTo(next: JumpTarget): void {
  target = next;
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
