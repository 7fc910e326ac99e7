/**
 * People for the multi-process tests (scale-out, multi-host): a signed-up user with a social client
 * and a started chat store whose released entries are kept in order, and what those tests ask of
 * them.
 */
import { ChatStore, SocialClient, type Entry, type SealroomClient } from "@sealroom/sdk/node";
import type { PublicUser } from "@sealroom/proto/auth";
import { AppError } from "@sealroom/proto/errors";
import { waitFor } from "./cluster.js";

export interface Person {
  name: string;
  user: PublicUser;
  client: SealroomClient;
  social: SocialClient;
  chat: ChatStore;
  /** Every entry the chat store released, in order. */
  stream: Entry[];
}

/**
 * Registers `name` on a connected client and starts its chat store with short test delays. AUTH_BUSY
 * is tried again after its hint, as the web app does: auth answers it before it writes the account
 * (16 sign-ups at once beside the other cluster file met it).
 */
export async function signUp(client: SealroomClient, name: string, password: string): Promise<Person> {
  const user = await registerWhenNotBusy(client, name, password);
  const chat = new ChatStore(client, {
    gapDelayMs: 50,
    outbox: { initialDelayMs: 50, maxDelayMs: 500 },
    e2e: false,
  });
  const stream: Entry[] = [];
  chat.onEntry((e) => stream.push(e));
  chat.start();
  return { name, user, client, social: new SocialClient(client), chat, stream };
}

async function registerWhenNotBusy(client: SealroomClient, name: string, password: string): Promise<PublicUser> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.register(name, password);
    } catch (err) {
      if (!(err instanceof AppError && err.code === "AUTH_BUSY") || attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, err.retryAfterMs ?? 500));
    }
  }
}

export async function befriend(a: Person, b: Person): Promise<void> {
  const r = await a.social.requestFriend(b.user.id);
  if (r.status === "pending") await b.social.acceptRequest(r.request.id);
}

/**
 * Waits until friends `a` and `b` each see the other online. Presence goes gateway -> social -> the
 * database -> the friend's gateway: over 20 s once on the 2-core machine with both cluster files
 * running, hence the 30 s.
 */
export function onlineToEachOther(a: Person, b: Person): Promise<void> {
  return waitFor(
    `${a.name} and ${b.name} online to each other`,
    async () => {
      const [x, y] = await Promise.all([a.social.overview(), b.social.overview()]);
      return x.friends[0]?.presence.online === true && y.friends[0]?.presence.online === true;
    },
    30_000,
  );
}

/** What `p` received of one conversation. */
export const entriesOf = (p: Person, conversationId: string) =>
  p.stream.filter((e) => e.conversationId === conversationId);
export const texts = (entries: Entry[]) => entries.flatMap((e) => (e.kind === "text" ? [e.text] : []));
/** `prefix0` .. `prefix<k-1>`. */
export const range = (k: number, prefix: string) => Array.from({ length: k }, (_, i) => `${prefix}${i}`);
