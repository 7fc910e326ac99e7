/**
 * The end-to-end engine behind a dynamic import: the MLS code (ts-mls and its cryptography, a few
 * hundred KB) loads when a store with `e2e` starts, not with the page, so bundlers emit it as a
 * chunk of its own and a web app's first load does not carry it. Calls made before it arrives
 * wait and then run in the order they were made, as they would have on the engine itself.
 */
import type { Content } from "@sealroom/e2e";
import type { ChangeAck, Entry, SendAck, TextEntry } from "@sealroom/proto/chat";
import { AppError, type Result } from "@sealroom/proto/errors";
import type { SignedOutReason } from "../client.js";
import type { TextExtras } from "../chat/outbox.js";
import type { E2eTextEntry } from "./contents.js";
import type { E2eChange, E2eEngine, ThisDevice } from "./engine.js";

type EngineArgs = ConstructorParameters<typeof E2eEngine>;

interface Waiting {
  run(engine: E2eEngine): void;
  /** The engine's code could not be loaded (offline, a new deployment removed the chunk). */
  fail(err: unknown): void;
}

export class LazyE2eEngine {
  private engine: E2eEngine | undefined;
  private loading: Promise<void> | undefined;
  private readonly waiting: Waiting[] = [];
  private readonly args: EngineArgs;
  private started = false;
  /** A load failed while signed in: the engine, once it is there, starts from a sign-in. */
  private missedSignIn = false;

  constructor(...args: EngineArgs) {
    this.args = args;
  }

  /** Application messages that should have been readable and were not, since this engine started. */
  get undecryptable(): number {
    return this.engine?.undecryptable ?? 0;
  }

  /** Times a message of this device lost to another commit (STALE_EPOCH) and was made again. */
  get staleRetries(): number {
    return this.engine?.staleRetries ?? 0;
  }

  /** Edits and deletes of another sender's message, ignored (docs/E2E.md section 5). */
  get ignoredChanges(): number {
    return this.engine?.ignoredChanges ?? 0;
  }

  /** Leaves refused because the key directory lists their device with another key. */
  get refusedLeaves(): number {
    return this.engine?.refusedLeaves ?? 0;
  }

  /** Requests for device and member lists made so far. */
  get directoryRequests(): number {
    return this.engine?.directoryRequests ?? 0;
  }

  /** The history archive's counts: contents not archived, and contents read from it. */
  get archiveCounts(): { dropped: number; restored: number } {
    return this.engine?.archiveCounts ?? { dropped: 0, restored: 0 };
  }

  /** The backup key arrived: what was not readable is looked up in the archive again. */
  backupKeyArrived(): void {
    this.engine?.backupKeyArrived();
  }

  /** Starts loading the engine's code; follows the client once it is there. */
  start(): void {
    this.started = true;
    if (this.engine) this.engine.start();
    else this.wait({ run: () => undefined, fail: () => undefined });
  }

  stop(): void {
    this.started = false;
    this.engine?.stop();
  }

  signedIn(): void {
    if (this.engine) this.engine.signedIn();
    else this.wait({ run: (engine) => engine.signedIn(), fail: () => (this.missedSignIn = true) });
  }

  signedOut(reason: SignedOutReason, userId: number | undefined): Promise<void> {
    return this.when((engine) => engine.signedOut(reason, userId));
  }

  /** A failure to load leaves the reader where it was: the next entry or send reads the log from there. */
  onEntry(entry: Entry): void {
    this.later((engine) => engine.onEntry(entry));
  }

  async send(conversationId: string, clientMsgId: string, text: string, extras: TextExtras): Promise<Result<SendAck>> {
    try {
      return await this.when((engine) => engine.send(conversationId, clientMsgId, text, extras));
    } catch {
      // The outbox retries UNAVAILABLE: the code is fetched again then.
      return { ok: false, error: new AppError("UNAVAILABLE", "The encryption code could not be loaded.").toJSON() };
    }
  }

  /**
   * The timeline entry of this device's acked message. An ack comes only after the engine sent
   * it, so the engine is there; without it the entry stays as it is.
   */
  acked(entry: TextEntry): E2eTextEntry | TextEntry {
    return this.engine ? this.engine.acked(entry) : entry;
  }

  change(target: E2eTextEntry, change: E2eChange): Promise<ChangeAck> {
    return this.when((engine) => engine.change(target, change));
  }

  react(target: E2eTextEntry, emoji: string, remove: boolean): Promise<SendAck> {
    return this.when((engine) => engine.react(target, emoji, remove));
  }

  sendContent(conversationId: string, content: Content): Promise<SendAck> {
    return this.when((engine) => engine.sendContent(conversationId, content));
  }

  history(conversationId: string, entries: readonly Entry[]): Promise<void> {
    return this.when((engine) => engine.history(conversationId, entries));
  }

  /** Resolves once this session's device is registered and its KeyPackages are published. */
  deviceReady(): Promise<void> {
    return this.when((engine) => engine.deviceReady());
  }

  /** This session's device (its id and signature key), once registered. */
  thisDevice(): Promise<ThisDevice> {
    return this.when((engine) => engine.thisDevice());
  }

  /** E2eEngine.openSealed, once the engine is loaded. */
  openSealed(refHex: string, enc: Uint8Array, ct: Uint8Array, info: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return this.when((engine) => engine.openSealed(refHex, enc, ct, info, aad));
  }

  private later(run: (engine: E2eEngine) => void): void {
    if (this.engine) run(this.engine);
    else this.wait({ run, fail: () => undefined });
  }

  private when<T>(run: (engine: E2eEngine) => Promise<T>): Promise<T> {
    const engine = this.engine;
    if (engine) return run(engine);
    return new Promise<T>((resolve, reject) =>
      this.wait({
        run: (e) => void run(e).then(resolve, reject),
        fail: reject,
      }),
    );
  }

  private wait(waiting: Waiting): void {
    this.waiting.push(waiting);
    this.loading ??= import("./engine.js").then(
      ({ E2eEngine: Engine }) => {
        const engine = new Engine(...this.args);
        this.engine = engine;
        if (this.started) engine.start();
        if (this.missedSignIn) engine.signedIn();
        this.missedSignIn = false;
        for (const w of this.waiting.splice(0)) w.run(engine);
      },
      (err: unknown) => {
        this.loading = undefined;
        for (const w of this.waiting.splice(0)) w.fail(err);
      },
    );
  }
}
