/**
 * The SDK's end-to-end engine (docs/E2E.md, "The SDK engine"): this session's device, one MLS group
 * per conversation, the conversation logs read into them, Welcomes, and sending. Operations on one
 * conversation run one at a time in its queue (sending, reading the log), so a group's state is
 * never changed by two at once; each is persisted after every change.
 *
 * Membership: the device about to send commits first what its group lacks (the Add of any member
 * device not in it, and pending Remove proposals of the server); a device with no leaf in an
 * existing group first joins it by itself with an External Commit (sender.ts). That is the committer rule: the
 * sender, since its message must reach those devices anyway; when two devices race, the Delivery
 * Service takes one commit and the other catches up (STALE_EPOCH) and tries again.
 */
import {
  CONTENT_VERSION,
  newContentId,
  fingerprint,
  isReactionEmoji,
  textContent,
  type Content,
  type Device,
  type MemberIdentity,
} from "@sealroom/e2e";
import type { ChangeAck, Entry, SendAck, TextEntry } from "@sealroom/proto/chat";
import type { MlsEntry } from "@sealroom/proto/chat-mls";
import { KEYS_EVENTS } from "@sealroom/proto/keys";
import { AppError, toAppError, type Result } from "@sealroom/proto/errors";
import type { SealroomClient, SignedOutReason } from "../client.js";
import { newClientMsgId, type TextExtras } from "../chat/outbox.js";
import { fromB64 } from "./base64url.js";
import { DeviceKeys, encodeDeviceRecord, type DeviceKeysOptions } from "./device-keys.js";
import type { GroupRecord } from "./group-record.js";
import { ConversationStates } from "./conversations.js";
import { GroupSender } from "./sender.js";
import type { AppMeta, ConversationContents, E2eTextEntry, Surfaced } from "./contents.js";
import { DeviceDirectory, DEVICE_CACHE_MS } from "./directory.js";
import { isUnanswered, LogReader, LostGroup } from "./log-reader.js";
import { writesWhileSignedIn, type E2eStateStore } from "./state-store.js";
import { HistoryArchive, type ArchiveKeys } from "./archive.js";

export interface E2eOptions extends DeviceKeysOptions {
  /** Where the device and group states live (they hold private keys). */
  store: E2eStateStore;
  /** Rounds of catching up after STALE_EPOCH before a send gives up for now (retryable). Default 8. */
  maxStaleRetries?: number;
  /**
   * How long a user's device list and a group's member list are reused between sends (ms). Social
   * events and commits drop them sooner; this bounds how late a peer's new device is added.
   * Default 30 s.
   */
  deviceCacheMs?: number;
  /** The user's backup keys (HistoryBackup): with them, reads are archived and read back (docs/E2E.md section 12). */
  archive?: ArchiveKeys;
}

/** An edit or delete of one of the user's own messages, as ChatStore asks for it. */
export type E2eChange = { type: "edit"; text: string } | { type: "delete" };
/** This session's device as others see it in the key directory. */
export interface ThisDevice {
  deviceId: string;
  /** The Ed25519 signature public key. */
  signatureKey: Uint8Array;
  /** What people compare (docs/E2E.md section 4): SHA-256 of the key, 16 bytes as 8 groups of 4 hex digits. */
  fingerprint: string;
}

type Client = Pick<SealroomClient, "request" | "call" | "on" | "user" | "sessionId">;

export class E2eEngine {
  private readonly keys: DeviceKeys;
  private readonly store: E2eStateStore;
  private readonly reader: LogReader;
  private device: Promise<Device> | undefined;
  private session: { userId: number; sessionId: string } | undefined;
  private readonly states: ConversationStates;
  private readonly queues = new Map<string, Promise<unknown>>();
  private welcomeChain: Promise<void> = Promise.resolve();
  /** Entries to read again (onEntry after a failure), cleared by stop(). */
  private readonly retries = new Set<ReturnType<typeof setTimeout>>();
  /** This device's own application messages by clientMsgId: it cannot decrypt what it sent. */
  private readonly own = new Map<string, Content>();
  private readonly directory: DeviceDirectory;
  private readonly offs: Array<() => void> = [];
  private readonly sender: GroupSender;
  private readonly archive: HistoryArchive | undefined;

  constructor(
    private readonly client: Client,
    private readonly opts: E2eOptions,
    private readonly surfaceEntry: (entry: Surfaced) => void,
  ) {
    this.directory = new DeviceDirectory(client, opts.deviceCacheMs ?? DEVICE_CACHE_MS);
    this.store = writesWhileSignedIn(opts.store, (userId) => this.session?.userId === userId);
    const archive = opts.archive && new HistoryArchive(client, opts.archive, () => this.session?.userId);
    this.archive = archive;
    this.states = new ConversationStates(
      this.store,
      () => this.session?.userId,
      () => this.ignoredChanges++,
      archive,
    );
    this.keys = new DeviceKeys(client, this.store, opts, {
      checkDevice: (member, key) => this.checkLeaf(member, key),
    });
    this.reader = new LogReader({
      client,
      ownContent: (id) => this.own.get(id),
      contents: (id) => this.states.contentsOf(id),
      surface: (entries) => this.surface(entries),
      save: (id, record) => this.states.save(id, record),
      membershipMoved: () => this.directory.invalidate(),
    });
    this.sender = new GroupSender({
      client,
      states: this.states,
      directory: this.directory,
      reader: this.reader,
      maxStaleRetries: opts.maxStaleRetries ?? 8,
      own: this.own,
      userId: () => this.sessionUser(),
      fetchWelcomes: () => this.fetchWelcomesOrFail(),
    });
  }

  /** Times a commit or message of this device lost to another commit (STALE_EPOCH) and was made again. */
  get staleRetries(): number {
    return this.sender.staleRetries;
  }

  /** Edits and deletes ignored because their sender is not the sender of the message they target. */
  ignoredChanges = 0;

  /** Leaves refused because the key directory lists their device with another key (docs/E2E.md section 9). */
  refusedLeaves = 0;

  /** Requests for device and member lists made so far (the cache's saving shows here). */
  get directoryRequests(): number {
    return this.directory.requests;
  }

  /** Application messages that should have been readable and were not, since this engine started. */
  get undecryptable(): number {
    return this.reader.failures;
  }

  /** The history archive's counts: contents not archived, and contents read from it. */
  get archiveCounts(): { dropped: number; restored: number } {
    return { dropped: this.archive?.dropped ?? 0, restored: this.archive?.restored ?? 0 };
  }

  /**
   * The backup key arrived (approval, passphrase): what is shown as not readable in the
   * conversations held is looked up in the archive again, and what it has replaces it.
   */
  backupKeyArrived(): void {
    for (const [, contents] of this.states.held()) {
      for (const entry of contents.unreadableEntries()) this.lookUpArchive(entry);
    }
  }

  /** Resolves once this session's device is registered and its KeyPackages are published. */
  async deviceReady(): Promise<void> {
    await this.ready();
  }

  /** This session's device, once registered. */
  async thisDevice(): Promise<ThisDevice> {
    const device = await this.ready();
    const signatureKey = device.signaturePublicKey;
    return { deviceId: device.identity.deviceId, signatureKey, fingerprint: await fingerprint(signatureKey) };
  }

  /**
   * Opens what another device of the user sealed to one of this device's KeyPackages (a rotated
   * backup key), and persists the device: a one-time KeyPackage is used up by it.
   */
  async openSealed(refHex: string, enc: Uint8Array, ct: Uint8Array, info: Uint8Array, aad: Uint8Array) {
    const device = await this.ready();
    const session = this.session;
    const opened = await device.openSealed(refHex, enc, ct, info, aad);
    if (session && this.session === session) {
      await this.opts.store.saveDevice(session.userId, encodeDeviceRecord(session.sessionId, device));
    }
    return opened;
  }

  start(): void {
    this.offs.push(
      this.client.on("event", (type, body) => {
        if (type === "chat.mls.welcome.v1") void this.fetchWelcomes();
        if (type === "auth.keys.devices.changed.v1") {
          const changed = KEYS_EVENTS[type].safeParse(body);
          if (changed.success) this.directory.forget(changed.data.userId);
        }
        // Friendships and group memberships decide who is in a conversation and whose devices show.
        if (type.startsWith("social.friend.") || type.startsWith("social.group.")) this.directory.invalidate();
      }),
      this.client.on("sessionMoved", (from, to) => void this.moveSession(from, to).catch(noop)),
    );
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
  }

  /** After every sign-in: this session's device (new or loaded), then the Welcomes waiting for it. */
  signedIn(): void {
    const { user, sessionId } = this.client;
    if (!user || !sessionId) return;
    if (this.session?.userId !== user.id || this.session.sessionId !== sessionId) this.reset();
    else void this.ready().then((device) => this.keys.refill(user.id, sessionId, device), noop);
    void this.fetchWelcomes();
  }

  /** A password change: the device (and its stored record) moves to the connection's new session. */
  private async moveSession(from: string | undefined, to: string): Promise<void> {
    const session = this.session;
    if (!session || from === undefined || session.sessionId !== from) return;
    session.sessionId = to;
    await this.keys.moveSession(session.userId, from, to);
  }

  /** Sign-out: forget the session's device; a logout also deletes the stored states (a shared computer). */
  async signedOut(reason: SignedOutReason, userId: number | undefined): Promise<void> {
    this.reset();
    if (reason === "logout" && userId !== undefined) await this.opts.store.clear(userId);
  }

  /** An MLS entry the chat store released (in seq order per conversation). */
  onEntry(entry: Entry, attempt = 0): void {
    // A failure (disconnected, the key directory or the Welcome inbox not answering) leaves the
    // reader's position where it was: the next entry or send reads the log from there again, and,
    // for a conversation that stays quiet, this entry is tried again (1, 2, 4, 8, 16, 30, 30 s: a
    // loaded server can take that long to answer again).
    void this.task(entry.conversationId, () => this.read(entry)).catch(() => {
      if (attempt >= ENTRY_RETRIES || this.offs.length === 0) return;
      const timer = setTimeout(
        () => {
          this.retries.delete(timer);
          this.onEntry(entry, attempt + 1);
        },
        Math.min(30_000, 1000 * 2 ** attempt),
      );
      this.retries.add(timer);
    });
  }

  /**
   * Encrypts and sends a text (the outbox's transport for this store): the ack of its log entry.
   * Its content (and so its content id) is made once per clientMsgId: every retry sends the same.
   * `extras` (kept with it in the outbox's store): `replyTo`, the content id of the message it
   * answers; `mentions`, the user ids it mentions; `forwarded`, the mark (sent as content v2).
   */
  send(
    conversationId: string,
    clientMsgId: string,
    text: string,
    { replyTo, mentions, forwarded }: TextExtras,
  ): Promise<Result<SendAck>> {
    return this.task(conversationId, async (): Promise<Result<SendAck>> => {
      try {
        const content = this.own.get(clientMsgId) ?? textContent(text, replyTo, mentions, forwarded === true);
        const { ack } = await this.sender.send(conversationId, clientMsgId, content, await this.ready());
        return { ok: true, value: ack };
      } catch (err) {
        // The outbox tries again on a retryable error: a key directory that did not answer is one.
        const error = isUnanswered(err)
          ? new AppError("UNAVAILABLE", "The key directory did not answer.")
          : toAppError(err);
        return { ok: false, error: error.toJSON() };
      }
    });
  }

  /** The timeline entry of this device's acked message: the text with its content id. */
  acked(entry: TextEntry): E2eTextEntry {
    const own = this.own.get(entry.clientMsgId);
    const contents = this.states.contentsOf(entry.conversationId);
    if (own) contents.read(entry, own);
    return contents.entry(entry.seq) ?? { ...entry, e2e: "decrypted", contentId: null };
  }

  /**
   * Edits or deletes one of the user's messages of an encrypted conversation: an `edit`/`delete`
   * content naming the target's content id, sent as an MLS application message; shown here at once.
   */
  async change(target: E2eTextEntry, change: E2eChange): Promise<ChangeAck> {
    const { conversationId } = target;
    if (target.senderId !== this.session?.userId)
      throw new AppError("FORBIDDEN", "You can only change your own messages.");
    if (target.contentId === null) throw new AppError("FORBIDDEN", "This message cannot be read on this device.");
    if (target.deletedTs !== null) throw new AppError("CONFLICT", "This message has been deleted.");
    const base = { v: CONTENT_VERSION, id: newContentId(), target: target.contentId } as const;
    const content: Content =
      change.type === "edit" ? { ...base, type: "edit", text: change.text } : { ...base, type: "delete" };
    const ack = await this.sendContent(conversationId, content);
    return { id: ack.id, conversationId, seq: ack.seq, ts: ack.ts, targetSeq: target.seq };
  }

  /**
   * Adds this user's `emoji` reaction to a message anyone sent (or, with `remove`, takes it back):
   * an encrypted `reaction` content (docs/E2E.md section 5).
   */
  react(target: E2eTextEntry, emoji: string, remove: boolean): Promise<SendAck> {
    if (target.contentId === null) throw new AppError("FORBIDDEN", "This message cannot be read on this device.");
    if (target.deletedTs !== null) throw new AppError("CONFLICT", "This message has been deleted.");
    if (!isReactionEmoji(emoji)) throw new AppError("BAD_REQUEST", "A reaction is one emoji.");
    const content: Content = {
      v: CONTENT_VERSION,
      type: "reaction",
      id: newContentId(),
      target: target.contentId,
      emoji,
    };
    return this.sendContent(target.conversationId, remove ? { ...content, remove: true } : content);
  }

  /**
   * Sends one content as an MLS application message and shows it here as the other devices will
   * (a change of another user's message is ignored and counted, as they do). ChatStore's send,
   * edit and delete cover the everyday ones; this is for the rest (and for tests).
   */
  sendContent(conversationId: string, content: Content): Promise<SendAck> {
    const senderId = this.session?.userId;
    if (senderId === undefined) return Promise.reject(new AppError("NOT_AUTHENTICATED"));
    const clientMsgId = newClientMsgId();
    return this.task(conversationId, async () => {
      const { ack, surfaced } = await this.sender.send(conversationId, clientMsgId, content, await this.ready());
      this.surface(surfaced);
      return ack;
    });
  }

  /**
   * Entries of an older history page (ChatStore.loadOlder): what this device has not read yet is
   * read now, in seq order, as far as its group state goes; the rest is shown as read before, or
   * as unavailable (sent before this device joined, or read in an earlier life of it).
   */
  history(conversationId: string, entries: readonly Entry[]): Promise<void> {
    const apps = entries.filter((e): e is Extract<MlsEntry, { kind: "mls.app" }> => e.kind === "mls.app");
    const last = apps[apps.length - 1];
    if (!last) return Promise.resolve();
    return this.task(conversationId, async () => {
      const device = await this.ready();
      let record = await this.states.record(conversationId, device);
      if (!record) {
        await this.fetchWelcomes();
        record = await this.states.record(conversationId, device);
      }
      if (record && last.seq > this.states.position(conversationId, record)) {
        await this.reader.fill(conversationId, record, last.seq);
      }
      const contents = this.states.contentsOf(conversationId);
      for (const entry of apps) this.surface(this.readBefore(contents, entry));
    });
  }

  private reset(): void {
    const { user, sessionId } = this.client;
    this.session = user && sessionId ? { userId: user.id, sessionId } : undefined;
    this.device = undefined;
    this.states.clear();
    this.archive?.clear();
    this.directory.invalidate();
  }

  /** The session's device, opened once (again after a failure). */
  private ready(): Promise<Device> {
    const session = this.session;
    if (!session) return Promise.reject(new AppError("NOT_AUTHENTICATED"));
    this.device ??= this.keys.open(session.userId, session.sessionId).catch((err: unknown) => {
      this.device = undefined;
      throw err;
    });
    return this.device;
  }

  /** A task on the conversation's queue, once what an earlier life of the device read is back. */
  private task<T>(conversationId: string, run: () => Promise<T>): Promise<T> {
    return this.enqueue(conversationId, async () => {
      await this.states.restore(conversationId);
      return run();
    });
  }

  private enqueue<T>(conversationId: string, task: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(conversationId) ?? Promise.resolve()).then(task, task);
    const tail = run.catch(noop);
    this.queues.set(conversationId, tail);
    void tail.then(() => {
      if (this.queues.get(conversationId) === tail) this.queues.delete(conversationId);
    });
    return run;
  }

  private async read(entry: Entry, rejoined = false): Promise<void> {
    const device = await this.ready();
    const id = entry.conversationId;
    let record = await this.states.record(id, device);
    if (!record) {
      // An inbox that did not answer is not "no Welcome": taken as one, the entry would be shown
      // unavailable although this device is a member, and a quiet conversation never read it again.
      await this.fetchWelcomesOrFail();
      record = await this.states.record(id, device);
    }
    if (!record || entry.seq <= this.states.position(id, record)) {
      // Not a member, or already read (in this life, or in an earlier one whose keys are gone).
      if (entry.kind === "mls.app") this.surface(this.readBefore(this.states.contentsOf(id), entry));
      return;
    }
    try {
      if (entry.seq > record.seq + 1) await this.reader.fill(id, record, entry.seq - 1);
      if (entry.seq === record.seq + 1) await this.reader.apply(id, record, entry);
    } catch (err) {
      if (!(err instanceof LostGroup) || rejoined) throw err;
      // Joined again from a waiting Welcome if there is one (a member's send adds the device);
      // otherwise the entry is not this device's to read, and its own next send joins it.
      await this.states.drop(id, record);
      await this.read(entry, true);
    }
  }

  /** An application message at or before the reader's position: as read then, or unavailable. */
  private readBefore(contents: ConversationContents, entry: Extract<MlsEntry, { kind: "mls.app" }>): Surfaced[] {
    const held = contents.entry(entry.seq);
    if (held) return [held];
    const own = this.own.get(entry.clientMsgId);
    return own ? contents.read(entry, own) : contents.unreadable(entry, "unavailable");
  }

  /**
   * A message shown as not readable here is looked up in the history archive, in a task of its
   * own after the one that showed it: never while the log reader holds the group's record (a
   * Welcome adopted during the wait must not be overwritten by the reader's older record).
   */
  private lookUpArchive(entry: AppMeta): void {
    const archive = this.archive;
    if (!archive?.holdsKey()) return;
    const contents = this.states.contentsOf(entry.conversationId);
    void this.task(entry.conversationId, async () => {
      if (contents.isRead(entry.seq)) return;
      const content = await archive.content(entry).catch(() => undefined);
      if (content && !contents.isRead(entry.seq)) this.surface(contents.read(entry, content));
    }).catch(noop);
  }

  private surface(entries: Surfaced[]): void {
    for (const entry of entries) {
      this.surfaceEntry(entry);
      if (entry.kind === "text" && entry.e2e !== "decrypted") this.lookUpArchive(entry);
    }
  }

  /**
   * The key directory check of every leaf this device accepts (joining from a Welcome, a commit's
   * Adds and UpdatePaths): a device the directory lists with another key is refused and counted.
   * One it does not list is accepted: signed out since it was added (the DS only admits registered
   * devices with their registered key), its removal is the server's reconciler's.
   */
  private async checkLeaf(member: MemberIdentity, signatureKey: Uint8Array): Promise<boolean> {
    const verdict = await this.directory.check(member, signatureKey);
    if (verdict === "mismatch") this.refusedLeaves++;
    return verdict !== "mismatch";
  }

  /** Joins from every Welcome waiting for this device, then acks them (one fetch at a time). */
  /** Joins from the Welcomes waiting for this device (one fetch at a time); a failure is only noted. */
  private fetchWelcomes(): Promise<void> {
    return this.fetchWelcomesOrFail().catch(noop);
  }

  /**
   * The same, failing when the inbox could not be read: a sender must not take "no Welcome" for an
   * answer it never got (it would join by External Commit and skip what was sent since it was added).
   */
  private fetchWelcomesOrFail(): Promise<void> {
    const run = this.welcomeChain.then(() => this.joinWelcomes());
    this.welcomeChain = run.catch(noop);
    return run;
  }

  private async joinWelcomes(): Promise<void> {
    const device = await this.ready();
    const session = this.session;
    if (!session) return;
    for (;;) {
      const { welcomes, more } = await this.client.request("chat.mls.welcomes", {});
      if (welcomes.length === 0) return;
      for (const welcome of welcomes) {
        const held = await this.states.record(welcome.conversationId, device);
        if (held && held.group.epoch >= BigInt(welcome.epoch)) continue;
        // Where reading starts, asked before the Welcome uses its KeyPackage up: a request that
        // fails after that (the chat service restarting) would leave the Welcome unjoinable on
        // the next try, and the device out of the group for good.
        let seq = await this.reader.joinPosition(welcome.conversationId, BigInt(welcome.epoch));
        let group;
        try {
          group = await device.joinFromWelcome(fromB64(welcome.message));
        } catch (err) {
          // No answer from the key directory: nothing is acked, the Welcome is joined next time.
          if (isUnanswered(err)) throw err;
          continue; // for a KeyPackage of a state this device no longer has: nothing to join
        }
        // The KeyPackage is used up: the device state changed (not written back after a sign-out).
        if (this.session !== session) return;
        await this.opts.store.saveDevice(session.userId, encodeDeviceRecord(session.sessionId, device));
        // The row's epoch is the server's word, the group's is MLS's: asked again if they differ,
        // and the group is kept whatever the answer (its KeyPackage is gone).
        if (group.epoch !== BigInt(welcome.epoch)) {
          const first = seq;
          seq = await this.reader.joinPosition(welcome.conversationId, group.epoch).catch(() => first);
        }
        const record: GroupRecord = { group, seq, joinedEpoch: group.epoch };
        await this.states.adopt(welcome.conversationId, record);
        this.readAfterJoin(welcome.conversationId);
      }
      await this.client.request("chat.mls.ackWelcomes", { ids: welcomes.map((w) => w.id) });
      if (!more) break;
    }
    await this.keys.refill(session.userId, session.sessionId, device);
  }

  /**
   * The log read on from where a Welcome put this device, once the conversation's current task is
   * done: entries released before the join (their Welcome came late, or its fetch failed until the
   * retries ran out) were shown unavailable, and a quiet conversation brings no next entry to read
   * them. Those read now replace what was shown.
   */
  private readAfterJoin(conversationId: string): void {
    void this.task(conversationId, async () => {
      const record = await this.states.record(conversationId, await this.ready());
      if (record) await this.reader.fill(conversationId, record);
    }).catch(noop);
  }

  private sessionUser(): number {
    if (!this.session) throw new AppError("NOT_AUTHENTICATED");
    return this.session.userId;
  }
}

const noop = () => undefined;

/** How many times an entry that failed to be read is tried again (see onEntry). */
const ENTRY_RETRIES = 7;
