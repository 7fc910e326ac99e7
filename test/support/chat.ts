/**
 * Helpers for the chat end-to-end tests: signed-up SDK clients with a started ChatStore that
 * records every log entry it releases, and social state made through the real social commands
 * (friendships, groups with invited members who accept).
 */
import { ChatStore, type Entry } from "@sealroom/sdk/node";
import { befriend, signUp, type Person, type SignUpOptions } from "../social-helpers.js";
import type { Stack } from "./stack.js";

export interface Chatter extends Person {
  chat: ChatStore;
  /** Every entry the store released, in order. */
  stream: Entry[];
  /** The released entries of one conversation. */
  streamOf(conversationId: string): Entry[];
}

export function attach(person: Person): Chatter {
  const chat = new ChatStore(person.client, {
    gapDelayMs: 50,
    outbox: { initialDelayMs: 50, maxDelayMs: 500 },
    e2e: false,
  });
  const stream: Entry[] = [];
  chat.onEntry((e) => stream.push(e));
  chat.start();
  return { ...person, chat, stream, streamOf: (id) => stream.filter((e) => e.conversationId === id) };
}

export async function chatter(stack: Stack, base: string, opts: SignUpOptions = {}): Promise<Chatter> {
  return attach(await signUp(stack, base, opts));
}

/** Polls `check` until true; fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what = "condition", timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export { befriend };

/** A group created by `owner` (friends with every member), each member accepting the invitation. */
export async function groupOf(owner: Person, members: Person[], name = "Group"): Promise<number> {
  for (const m of members) {
    const friends = (await owner.social.overview()).friends.some((f) => f.user.id === m.user.id);
    if (!friends) await befriend(owner, m);
  }
  const detail = await owner.social.createGroup(
    name,
    members.map((m) => m.user.id),
  );
  for (const m of members) {
    const invitation = (await m.social.overview()).invitations.find((i) => i.group.id === detail.group.id);
    if (!invitation) throw new Error("no invitation");
    await m.social.acceptInvitation(invitation.id);
  }
  return detail.group.id;
}

/** Seqs 1..n, or from..to. */
export const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
