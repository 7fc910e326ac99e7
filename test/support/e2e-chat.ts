/**
 * The world of the end-to-end suites (test/chat-e2e*.test.ts): the whole stack with two gateways
 * and social, an ops subscriber to `>` recording everything published on NATS, every log line of
 * the services and gateways (at trace level), SDK devices with the engine on, and the plaintexts
 * the tests sent: none may appear on NATS, in a log line, in the database's messages, or, on
 * SQLite, anywhere in its file, its WAL or a `db:backup` copy.
 * `e2eChatWorld()` registers the file's beforeAll/afterAll hooks; call it at the top level.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect } from "vitest";
import { connectNats, createLogger, type NatsConnection } from "@sealroom/runtime";
import {
  ChatStore,
  FileE2eStateStore,
  type ChatStoreOptions,
  type E2eStateStore,
  type E2eTextEntry,
  type Entry,
} from "@sealroom/sdk/node";
import { log, startStack, type Stack } from "./stack.js";
import { KEYS_EVENTS } from "@sealroom/proto/keys";
import { SOCIAL_STACK, type Person } from "../social-helpers.js";
import { until } from "./chat.js";

export interface E2eChatter extends Person {
  chat: ChatStore;
  stream: Entry[];
  /** Texts of the decrypted (or own, acked) messages of a conversation, in seq order. */
  textsOf(conversationId: string): string[];
  /** The encrypted message at `seq` as this device shows it now. */
  at(conversationId: string, seq: number): E2eTextEntry | undefined;
}

export type WithE2eOptions = Pick<ChatStoreOptions, "search"> & { start?: boolean };

export interface E2eChatWorld {
  /** Set once the file's beforeAll has run. */
  readonly stack: Stack;
  /** Everything published on NATS during the file, as latin1 text (what an ops subscriber sees). */
  readonly traffic: string[];
  /** Every plaintext a test sent: none may appear on NATS or in the database. */
  readonly plaintexts: string[];
  /** Every device made by withE2e (stopped after the file). */
  readonly chatters: readonly E2eChatter[];
  /** `person`'s client as a ChatStore with the engine on, over `store` (and search, if `opts` has it). */
  /** `opts.start: false`: the store is made but not started (the test starts it). */
  withE2e(person: Person, store: E2eStateStore, opts?: WithE2eOptions): E2eChatter;
  /** A FileE2eStateStore in a fresh directory of the file's. */
  fileStore(): FileE2eStateStore;
  /**
   * None of the plaintexts (more than `atLeast` of them, so the check has something to find) is in
   * the database's messages or in anything published on NATS.
   */
  expectNoPlaintext(atLeast: number): Promise<void>;
  /** The conversation's log as the database holds it, in seq order. */
  messagesOf(conversationId: string): Promise<Array<{ seq: number; kind: string; senderId: number | null }>>;
}

/** Waits until every reader shows each of `texts` decrypted (or as its own, acked). */
export async function allRead(readers: E2eChatter[], conversationId: string, texts: string[]): Promise<void> {
  await until(
    () => readers.every((r) => texts.every((t) => r.textsOf(conversationId).includes(t))),
    `${texts.join(", ")} on every device`,
    20_000,
  );
}

/** Pages `chatter`'s window of the conversation back to its first entry, two entries at a time. */
export async function pageToStart(chatter: E2eChatter, conversationId: string): Promise<void> {
  const hasOlder = () => chatter.chat.getSnapshot().byId[conversationId]?.hasOlder ?? true;
  for (let pages = 0; hasOlder(); pages++) {
    if (pages > 20) throw new Error("history did not end");
    await chatter.chat.loadOlder(conversationId, 2);
  }
}

/** How many auth.keys.devices.changed.v1 events about `userId` the listener's client received. */
export function devicesChanged(listener: Person, userId: number): number {
  const schema = KEYS_EVENTS["auth.keys.devices.changed.v1"];
  return listener.events.filter(
    (e) => e.type === "auth.keys.devices.changed.v1" && schema.safeParse(e.body).data?.userId === userId,
  ).length;
}

/** Waits until the key directory lists `count` devices across `users` (as `viewer` sees them). */
export async function waitForDevices(viewer: Person, users: number[], count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    let n = 0;
    for (const userId of users) {
      n += (await viewer.client.request("auth.keys.devices", { userId })).devices.length;
    }
    if (n >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${n} of ${count} devices registered`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function e2eChatWorld(): E2eChatWorld {
  let stack: Stack | undefined;
  let nc: NatsConnection | undefined;
  const traffic: string[] = [];
  const plaintexts: string[] = [];
  const chatters: E2eChatter[] = [];
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "sealroom-e2e-state-"));
  const logLines: string[] = [];
  const serviceLog = createLogger({
    service: "e2e-stack",
    level: "trace",
    destination: { write: (line: string) => void logLines.push(line) },
  });

  beforeAll(async () => {
    // Each test signs up new users from one address: more than auth's default 20 per hour.
    stack = await startStack({
      gateways: 2,
      ...SOCIAL_STACK,
      auth: { throttle: { registrationsPerAddress: 1000 } },
      log: serviceLog,
    });
    const sniffer = await connectNats({ url: stack.nats.url, name: "ops-sniffer", log });
    nc = sniffer;
    const sub = sniffer.subscribe(">");
    void (async () => {
      for await (const m of sub) traffic.push(Buffer.from(m.data).toString("latin1"));
    })();
  });
  afterAll(async () => {
    for (const c of chatters) c.chat.stop();
    await nc?.drain();
    await stack?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  function withE2e(person: Person, store: E2eStateStore, { start = true, ...opts }: WithE2eOptions = {}): E2eChatter {
    const chat = new ChatStore(person.client, {
      ...opts,
      gapDelayMs: 50,
      outbox: { initialDelayMs: 50, maxDelayMs: 500 },
      e2e: { store, deviceName: "test device", lowWater: 3, target: 6 },
    });
    const stream: Entry[] = [];
    chat.onEntry((e) => stream.push(e));
    if (start) chat.start();
    const encrypted = (id: string) =>
      (chat.getSnapshot().byId[id]?.entries ?? []).filter((e): e is E2eTextEntry => e.kind === "text" && "e2e" in e);
    const textsOf = (id: string) =>
      encrypted(id)
        .filter((e) => e.e2e === "decrypted")
        .map((e) => e.text);
    const at = (id: string, seq: number) => encrypted(id).find((e) => e.seq === seq);
    const chatter = { ...person, chat, stream, textsOf, at };
    chatters.push(chatter);
    return chatter;
  }

  async function expectNoPlaintext(atLeast: number): Promise<void> {
    expect(plaintexts.length).toBeGreaterThan(atLeast);
    if (!stack) throw new Error("the stack starts in beforeAll");
    const bodies = (await stack.db.message.findMany({ select: { body: true } })).map((m) => m.body);
    expect(bodies.length).toBeGreaterThan(0);
    expect(traffic.length).toBeGreaterThan(0);
    expect(logLines.length).toBeGreaterThan(0);
    const files = stack.database.file === undefined ? [] : sqliteCopies(stack.database.file, stateDir, stack.nats.url);
    for (const text of plaintexts) {
      for (const body of bodies) expect(body).not.toContain(text);
      for (const published of traffic) expect(published).not.toContain(text);
      for (const line of logLines) expect(line).not.toContain(text);
      for (const [name, bytes] of files) expect(bytes.includes(Buffer.from(text)), `${text} in ${name}`).toBe(false);
    }
  }

  async function messagesOf(conversationId: string) {
    if (!stack) throw new Error("the stack starts in beforeAll");
    const conv = await stack.db.conversation.findUniqueOrThrow({ where: { key: conversationId } });
    return stack.db.message.findMany({ where: { conversationId: conv.id }, orderBy: { seq: "asc" } });
  }

  return {
    messagesOf,
    get stack() {
      if (!stack) throw new Error("the stack starts in beforeAll");
      return stack;
    },
    traffic,
    plaintexts,
    chatters,
    withE2e,
    fileStore: () => new FileE2eStateStore(mkdtempSync(path.join(stateDir, "device-"))),
    expectNoPlaintext,
  };
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The SQLite database file, its WAL, and a copy made by `npm run db:backup` (with its blobs, if any). */
function sqliteCopies(file: string, dir: string, natsUrl: string): Array<[string, Buffer]> {
  const backup = path.join(dir, `backup-${Date.now()}.db`);
  const run = spawnSync(process.execPath, [path.join(root, "scripts/db-backup.mjs"), backup], {
    env: { ...process.env, DATABASE_URL: `file:${file}`, NATS_URL: natsUrl },
    encoding: "utf8",
  });
  expect(run.status, run.stderr).toBe(0);
  const blobs = existsSync(`${backup}.blobs`)
    ? readdirSync(`${backup}.blobs`).map((name) => path.join(`${backup}.blobs`, name))
    : [];
  const read = (f: string): [string, Buffer] => [path.basename(f), readFileSync(f)];
  return [file, `${file}-wal`, backup, ...blobs].filter((f) => existsSync(f)).map(read);
}
