/**
 * The record layer: AES-256-GCM frames with per-direction keys, counter nonces, strict sequence
 * checking and key updates. Opening and sealing are each serialized, so callers may fire and forget.
 */
import type { Aead, CryptoBackend } from "./backend.js";
import { CLOSE } from "../close-codes.js";
import { SessionError, decryptFailed } from "./errors.js";
import { FRAME, decodeRecord, recordHeader, type RecordType } from "./frames.js";
import { nextTrafficSecret, nonceFor, trafficKeys } from "./keys.js";
import { concat } from "./bytes.js";

/** When a sender updates its key. Receivers enforce DEFAULT_KEY_LIMITS, the protocol's maximum. */
export interface KeyLimits {
  /** Frames per traffic key and direction before a KEY_UPDATE is due (2^20). */
  maxFrames: number;
  /** Plaintext bytes per traffic key and direction (2^34). */
  maxBytes: number;
  /** Age of a traffic key before the sender updates it (1 h). */
  maxAgeMs: number;
}

export const DEFAULT_KEY_LIMITS: KeyLimits = {
  maxFrames: 2 ** 20,
  maxBytes: 2 ** 34,
  maxAgeMs: 60 * 60 * 1000,
};

class Direction {
  seq = 0n;
  frames = 0;
  bytes = 0;
  private constructor(
    private readonly backend: CryptoBackend,
    public secret: Uint8Array,
    public aead: Aead,
    public iv: Uint8Array,
    public since: number,
  ) {}

  static async create(backend: CryptoBackend, secret: Uint8Array, now: number): Promise<Direction> {
    const { key, iv } = await trafficKeys(backend, secret);
    return new Direction(backend, secret, await backend.aead(key), iv, now);
  }

  async update(now: number): Promise<void> {
    this.secret = await nextTrafficSecret(this.backend, this.secret);
    const { key, iv } = await trafficKeys(this.backend, this.secret);
    this.aead = await this.backend.aead(key);
    this.iv = iv;
    this.seq = 0n;
    this.frames = 0;
    this.bytes = 0;
    this.since = now;
  }
}

export type Opened =
  | { type: typeof FRAME.FINISHED; plaintext: Uint8Array }
  | { type: typeof FRAME.DATA; plaintext: Uint8Array }
  | { type: typeof FRAME.KEY_UPDATE };

export class SecureChannel {
  private sendChain: Promise<unknown> = Promise.resolve();
  /** seal() calls not yet settled: sealDataNow() may not overtake them. */
  private sealing = 0;
  private openChain: Promise<unknown> = Promise.resolve();
  private failed: SessionError | undefined;
  /** Number of key updates performed, per direction (observable for tests and metrics). */
  keyUpdates = { sent: 0, received: 0 };

  private constructor(
    private readonly send: Direction,
    private readonly recv: Direction,
    private readonly limits: KeyLimits,
    private readonly now: () => number,
  ) {}

  static async create(
    backend: CryptoBackend,
    sendSecret: Uint8Array,
    recvSecret: Uint8Array,
    limits: KeyLimits = DEFAULT_KEY_LIMITS,
    now: () => number = Date.now,
  ): Promise<SecureChannel> {
    const t = now();
    const [send, recv] = await Promise.all([
      Direction.create(backend, sendSecret, t),
      Direction.create(backend, recvSecret, t),
    ]);
    return new SecureChannel(send, recv, limits, now);
  }

  /**
   * Encrypts one record; for DATA, a KEY_UPDATE frame precedes it when a key limit is reached.
   * Sealing a KEY_UPDATE (empty plaintext) requests an update now: this side switches keys with it.
   */
  seal(type: RecordType, plaintext: Uint8Array): Promise<Uint8Array[]> {
    this.sealing++;
    const next = this.sendChain.then(async () => {
      const d = this.send;
      if (type === FRAME.KEY_UPDATE) {
        if (plaintext.length !== 0) throw new Error("a KEY_UPDATE record carries no data");
        return [await this.sealKeyUpdate(d)];
      }
      const out: Uint8Array[] = [];
      if (type === FRAME.DATA && this.dueForUpdate(d, plaintext.length)) out.push(await this.sealKeyUpdate(d));
      out.push(await this.sealOne(d, type, plaintext));
      return out;
    });
    this.sendChain = next.then(
      () => this.sealing--,
      () => this.sealing--,
    );
    return next;
  }

  /**
   * Seals one DATA record synchronously, the same record seal() would produce, when that is
   * possible: nothing sealed before it is still pending, no key update is due, and the backend
   * encrypts synchronously (node:crypto). Otherwise undefined, and the caller uses seal(). A sender
   * of many small records (the gateway) saves the promises of seal()'s queue on every one.
   */
  sealDataNow(plaintext: Uint8Array): Uint8Array | undefined {
    const d = this.send;
    if (this.sealing > 0 || !d.aead.sealSync || this.dueForUpdate(d, plaintext.length)) return undefined;
    const seq = d.seq++;
    d.frames++;
    d.bytes += plaintext.length;
    const header = recordHeader(FRAME.DATA, seq);
    return concat(header, d.aead.sealSync(nonceFor(d.iv, seq), header, plaintext));
  }

  /** Decrypts and authenticates the next record. Any failure is final for the channel. */
  open(frame: Uint8Array): Promise<Opened> {
    const next = this.openChain.then(() => this.openOne(frame));
    this.openChain = next.catch(() => undefined);
    return next;
  }

  /** Due when this record would reach a limit, so the receiver never sees one exceeded. */
  private dueForUpdate(d: Direction, nextBytes: number): boolean {
    return (
      d.frames >= this.limits.maxFrames ||
      d.bytes + nextBytes > this.limits.maxBytes ||
      this.now() - d.since >= this.limits.maxAgeMs
    );
  }

  /** The receiver switches keys on a KEY_UPDATE, so the sender must switch with every one it sends. */
  private async sealKeyUpdate(d: Direction): Promise<Uint8Array> {
    const frame = await this.sealOne(d, FRAME.KEY_UPDATE, new Uint8Array(0));
    await d.update(this.now());
    this.keyUpdates.sent++;
    return frame;
  }

  private async sealOne(d: Direction, type: RecordType, plaintext: Uint8Array): Promise<Uint8Array> {
    const seq = d.seq++;
    d.frames++;
    d.bytes += plaintext.length;
    const header = recordHeader(type, seq);
    const sealed = await d.aead.seal(nonceFor(d.iv, seq), header, plaintext);
    return concat(header, sealed);
  }

  private async openOne(frame: Uint8Array): Promise<Opened> {
    if (this.failed) throw this.failed;
    try {
      const d = this.recv;
      const rec = decodeRecord(frame);
      if (rec.seq !== d.seq) throw decryptFailed(`expected seq ${d.seq}, got ${rec.seq}`);
      // The peer must update before exceeding the protocol's limits (its own may be lower); the
      // KEY_UPDATE itself is one frame more.
      if (d.frames > DEFAULT_KEY_LIMITS.maxFrames || d.bytes > DEFAULT_KEY_LIMITS.maxBytes) {
        throw new SessionError(CLOSE.KEY_LIMIT, "key limit exceeded without a key update");
      }
      let plaintext: Uint8Array;
      try {
        plaintext = await d.aead.open(nonceFor(d.iv, rec.seq), rec.header, rec.body);
      } catch {
        throw decryptFailed("authentication tag mismatch");
      }
      d.seq++;
      d.frames++;
      d.bytes += plaintext.length;
      if (rec.type === FRAME.KEY_UPDATE) {
        if (plaintext.length !== 0) throw decryptFailed("key update carries data");
        await d.update(this.now());
        this.keyUpdates.received++;
        return { type: FRAME.KEY_UPDATE };
      }
      return { type: rec.type, plaintext };
    } catch (err) {
      this.failed = err instanceof SessionError ? err : decryptFailed(err instanceof Error ? err.message : "error");
      throw this.failed;
    }
  }
}
