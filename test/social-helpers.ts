/**
 * Helpers for the social end-to-end tests: signed-up SDK clients that record every event they
 * receive (each checked against the contract), and waiting for a given event.
 */
import { expect } from "vitest";
import {
  AppError,
  SocialClient,
  parseSocialEvent,
  type SealroomClient,
  type SocialEventBody,
  type NodeClientOptions,
  type SocialEventType,
} from "@sealroom/sdk/node";
import type { PublicUser } from "@sealroom/proto/auth";
import type { Stack } from "./support/stack.js";

export const password = "correct horse battery staple";

let n = 0;
/** A unique username (the stack's database lives for a whole file). */
export const uniqueName = (base: string) => `${base}${process.pid % 1000}_${++n}`;

export interface Person {
  name: string;
  user: PublicUser;
  client: SealroomClient;
  social: SocialClient;
  events: Array<{ type: string; body: unknown }>;
  /** Events whose type is social but whose body broke the contract. */
  malformed: string[];
  /**
   * Resolves with the first event of `type` matching `pred`, already received or to come; with
   * `since` (a length of `events`), only among events received after that point.
   */
  waitFor<T extends SocialEventType>(
    type: T,
    pred?: (body: SocialEventBody<T>) => boolean,
    opts?: { timeoutMs?: number; since?: number },
  ): Promise<SocialEventBody<T>>;
  /** Events of `type` received so far. */
  seen<T extends SocialEventType>(type: T): SocialEventBody<T>[];
}

function record(client: SealroomClient) {
  const events: Array<{ type: string; body: unknown }> = [];
  const malformed: string[] = [];
  const waiters = new Set<() => void>();
  client.on("event", (type, body) => {
    if ((type.startsWith("social.") || type.startsWith("presence.")) && !parseSocialEvent(type, body))
      malformed.push(type);
    events.push({ type, body });
    for (const w of [...waiters]) w();
  });
  const seen = <T extends SocialEventType>(type: T, since = 0) =>
    events
      .slice(since)
      .filter((e) => e.type === type)
      .map((e) => e.body as SocialEventBody<T>);
  const waitFor = <T extends SocialEventType>(
    type: T,
    pred: (b: SocialEventBody<T>) => boolean = () => true,
    { timeoutMs = 5000, since = 0 }: { timeoutMs?: number; since?: number } = {},
  ) =>
    new Promise<SocialEventBody<T>>((resolve, reject) => {
      const check = () => {
        const hit = seen(type, since).find(pred);
        if (hit === undefined) return false;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${type} matching within ${timeoutMs} ms; saw ${JSON.stringify(seen(type))}`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  return { events, malformed, seen, waitFor };
}

export interface SignUpOptions {
  gateway?: number;
  /** More options for the user's client (its socket factory, say). */
  client?: Partial<NodeClientOptions>;
}

/** Registers a new user through gateway `gateway` (or all of them, rotating). */
export async function signUp(stack: Stack, base: string, opts: SignUpOptions = {}): Promise<Person> {
  const name = uniqueName(base);
  const urls = opts.gateway === undefined ? {} : { urls: [stack.wsUrls[opts.gateway]!] };
  const client = stack.client({ ...urls, ...opts.client });
  const rec = record(client);
  await client.connect();
  const user = await client.register(name, password);
  return { name, user, client, social: new SocialClient(client), ...rec };
}

/** Another device of an existing user (logs in with the password). */
export async function device(stack: Stack, person: Person, gateway: number): Promise<Person> {
  const client = stack.client({ urls: [stack.wsUrls[gateway]!] });
  const rec = record(client);
  await client.connect();
  await client.login(person.name, password);
  return { ...person, client, social: new SocialClient(client), ...rec };
}

export async function errorCode(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return (err as AppError).code;
}

export async function befriend(a: Person, b: Person): Promise<void> {
  const r = await a.social.requestFriend(b.user.id);
  if (r.status === "pending") await b.social.acceptRequest(r.request.id);
}

/** Generous limits so a test's burst of commands is not rate-limited; fast presence. */
export const SOCIAL_STACK = {
  gatewayConfig: {
    rateLimitPerSec: 1000,
    rateLimitBurst: 1000,
    presenceHeartbeatMs: 200,
    presenceTtlMs: 1000,
  },
  social: { presenceSweepMs: 100, presenceBatchMs: 50, searchBurst: 1000 },
} as const;
