/**
 * Messages on their way: each gets a clientMsgId once and keeps it through every retry, so the
 * service stores it exactly once however often it is sent. Per conversation, messages go one at a
 * time in the order they were written; a retryable failure (not connected, timeout, busy, rate
 * limited) backs off and tries again, across reconnects, until the ack arrives; any other error
 * fails the message (it stays listed as failed until retried or discarded).
 *
 * Until acked (or discarded) a message is also kept in an OutboxStore under its user: after a
 * reload, `restore(userId)` queues the user's kept messages again with their clientMsgIds, so one
 * that reached the server before the page went away is not stored twice. A message is only ever
 * sent while its own user is signed in.
 */
import { checkMessageText, type SendAck } from "@sealroom/proto/chat";
import { AppError, type AppErrorShape, type Result } from "@sealroom/proto/errors";
import type { SealroomClient } from "../client.js";
import { MemoryOutboxStore, type OutboxStore, type StoredMessage } from "./outbox-store.js";

export interface PendingMessage {
  conversationId: string;
  clientMsgId: string;
  text: string;
  status: "sending" | "failed";
  /** When it was written, by this device's clock (Unix ms). */
  writtenTs: number;
  /** Attempts made so far. */
  attempts: number;
  error?: AppErrorShape;
  /** End-to-end encrypted conversations: the content id of the message this one replies to. */
  replyTo?: string;
  /** End-to-end encrypted conversations: the user ids the text mentions. */
  mentions?: readonly number[];
  /** End-to-end encrypted conversations: it carries the "forwarded" mark. */
  forwarded?: true;
}

/** What an end-to-end encrypted text carries besides its text (kept with it until acked). */
export type TextExtras = Pick<PendingMessage, "replyTo" | "mentions" | "forwarded">;

export interface OutboxOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  /** Where waiting messages are kept across reloads (default: memory only). */
  store?: OutboxStore;
}

interface Item {
  /** The user who wrote it: it is sent only on a connection signed in as them. */
  userId: number | undefined;
  message: PendingMessage;
  resolve(ack: SendAck): void;
  reject(err: AppError): void;
}

/** 128 random bits, hex: unique per message without coordination. */
export function newClientMsgId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Outbox {
  private readonly queues = new Map<string, Item[]>();
  private readonly failed = new Map<string, Item>();
  private readonly running = new Set<string>();
  private stopped = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly store: OutboxStore;

  constructor(
    private readonly client: SealroomClient,
    /** Called after each change of the pending list, and with each ack. */
    private readonly hooks: {
      changed(conversationId: string): void;
      acked(message: PendingMessage, ack: SendAck): void;
      /** Sends one attempt instead of chat.send (the end-to-end engine); same Result contract. */
      send?(conversationId: string, clientMsgId: string, text: string, extras: TextExtras): Promise<Result<SendAck>>;
    },
    private readonly opts: OutboxOptions = {},
  ) {
    this.store = opts.store ?? new MemoryOutboxStore();
  }

  /**
   * Queues again what the store kept for this user and this outbox does not hold (written before a
   * reload, or in another tab that closed): same clientMsgId, same written time. Failed ones come
   * back failed, to be retried or discarded.
   */
  restore(userId: number): void {
    const held = new Set([
      ...this.failed.keys(),
      ...[...this.queues.values()].flat().map((i) => i.message.clientMsgId),
    ]);
    for (const kept of this.store.load(userId)) {
      if (held.has(kept.clientMsgId)) continue;
      const message: PendingMessage = { ...kept, attempts: 0 };
      const item: Item = { userId, message, resolve: () => undefined, reject: () => undefined };
      if (kept.status === "failed") {
        this.failed.set(kept.clientMsgId, item);
        this.hooks.changed(kept.conversationId);
      } else {
        this.enqueue(item);
      }
    }
  }

  /** Pending and failed messages of a conversation, in the order they were written. */
  pending(conversationId: string): PendingMessage[] {
    const queued = (this.queues.get(conversationId) ?? []).map((i) => i.message);
    const failed = [...this.failed.values()]
      .filter((i) => i.message.conversationId === conversationId)
      .map((i) => i.message);
    return [...failed, ...queued];
  }

  /** Queues a message; resolves with its ack once stored, rejects with a non-retryable AppError. */
  send(
    conversationId: string,
    text: string,
    clientMsgId = newClientMsgId(),
    { replyTo, mentions, forwarded }: TextExtras = {},
  ): Promise<SendAck> {
    const check = checkMessageText(text);
    if (!check.ok) {
      const code = check.reason === "too-long" ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST";
      return Promise.reject(new AppError(code));
    }
    return new Promise<SendAck>((resolve, reject) => {
      const message: PendingMessage = {
        conversationId,
        clientMsgId,
        text,
        status: "sending",
        attempts: 0,
        writtenTs: Date.now(),
        ...(replyTo === undefined ? {} : { replyTo }),
        ...(mentions === undefined || mentions.length === 0 ? {} : { mentions: [...mentions] }),
        ...(forwarded ? { forwarded } : {}),
      };
      this.enqueue({ userId: this.client.user?.id, message, resolve, reject });
    });
  }

  /** Sends a failed message again, with the same clientMsgId. */
  retry(clientMsgId: string): Promise<SendAck> | undefined {
    const item = this.failed.get(clientMsgId);
    if (!item) return undefined;
    this.failed.delete(clientMsgId);
    return new Promise<SendAck>((resolve, reject) => {
      const { error: _dropped, ...rest } = item.message;
      this.enqueue({ userId: item.userId, message: { ...rest, status: "sending", attempts: 0 }, resolve, reject });
    });
  }

  /**
   * The user signed out of this device on purpose: nothing of their unsent messages stays in the
   * store (a shared computer). This page still holds them in memory, for that user only.
   */
  forgetStored(userId: number): void {
    for (const kept of this.store.load(userId)) this.store.remove(userId, kept.clientMsgId);
  }

  discard(clientMsgId: string): void {
    const item = this.failed.get(clientMsgId);
    if (!item) return;
    this.failed.delete(clientMsgId);
    this.forget(item);
    this.hooks.changed(item.message.conversationId);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private enqueue(item: Item): void {
    const id = item.message.conversationId;
    const queue = this.queues.get(id) ?? [];
    queue.push(item);
    this.queues.set(id, queue);
    this.keep(item);
    this.hooks.changed(id);
    if (!this.running.has(id)) void this.run(id);
  }

  private async run(conversationId: string): Promise<void> {
    this.running.add(conversationId);
    try {
      const queue = this.queues.get(conversationId)!;
      while (queue.length > 0 && !this.stopped) {
        const item = queue[0]!;
        const outcome = await this.deliver(item);
        if (this.stopped) return;
        queue.shift();
        if (outcome.ok) {
          this.forget(item);
          this.hooks.acked(item.message, outcome.ack);
          item.resolve(outcome.ack);
        } else {
          item.message = { ...item.message, status: "failed", error: outcome.error.toJSON() };
          this.failed.set(item.message.clientMsgId, item);
          this.keep(item);
          item.reject(outcome.error);
        }
        this.hooks.changed(conversationId);
      }
      if (queue.length === 0) this.queues.delete(conversationId);
    } finally {
      this.running.delete(conversationId);
    }
  }

  /** Sends until acked or refused for good. */
  private async deliver(item: Item): Promise<{ ok: true; ack: SendAck } | { ok: false; error: AppError }> {
    const { initialDelayMs = 200, maxDelayMs = 10_000, random = Math.random } = this.opts;
    for (;;) {
      if (this.stopped) return { ok: false, error: new AppError("UNAVAILABLE", "The chat store was stopped.") };
      await this.ready(item.userId);
      if (this.stopped) return { ok: false, error: new AppError("UNAVAILABLE", "The chat store was stopped.") };
      const { conversationId, clientMsgId, text, replyTo, mentions, forwarded } = item.message;
      item.message = { ...item.message, attempts: item.message.attempts + 1 };
      this.hooks.changed(conversationId);
      const extras = { replyTo, mentions, forwarded };
      const result = this.hooks.send
        ? await this.hooks.send(conversationId, clientMsgId, text, extras)
        : await this.client.call("chat.send", { conversationId, clientMsgId, text });
      if (result.ok) return { ok: true, ack: result.value };
      // Between a reconnect and the resume, a command can race the sign-in: wait and resend.
      const transient = result.error.retryable || result.error.code === "NOT_AUTHENTICATED";
      if (!transient) return { ok: false, error: AppError.from(result.error) };
      const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(item.message.attempts - 1, 16));
      await this.sleep(Math.max(result.error.retryAfterMs ?? 0, Math.round(ceiling * (0.5 + random() / 2))));
    }
  }

  /** Resolves once signed in as the message's user (or stopped). */
  private ready(userId: number | undefined): Promise<void> {
    const mine = () => this.client.state === "ready" && (userId === undefined || this.client.user?.id === userId);
    if (mine()) return Promise.resolve();
    return new Promise((resolve) => {
      const offs = [this.client.on("state", () => check()), this.client.on("signedIn", () => check())];
      const check = () => {
        if (!mine() && !this.stopped) return;
        for (const off of offs) off();
        resolve();
      };
    });
  }

  private keep(item: Item): void {
    if (item.userId === undefined) return;
    const { conversationId, clientMsgId, text, writtenTs, status, error, replyTo, mentions, forwarded } = item.message;
    const kept: StoredMessage = {
      conversationId,
      clientMsgId,
      text,
      writtenTs,
      status,
      ...(error ? { error } : {}),
      ...(replyTo === undefined ? {} : { replyTo }),
      ...(mentions === undefined ? {} : { mentions: [...mentions] }),
      ...(forwarded ? { forwarded } : {}),
    };
    this.store.put(item.userId, kept);
  }

  private forget(item: Item): void {
    if (item.userId !== undefined) this.store.remove(item.userId, item.message.clientMsgId);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }
}
