/**
 * The gateway's RSA private-key operations on worker threads. A full handshake's RSA-OAEP
 * decryption (~0.3-0.4 ms of CPU with a 2048-bit key, several ms with 4096) otherwise runs on the
 * event loop, where a storm of new connections queues every other connection's frames behind it.
 * The handshake's state stays on the main thread: a thread only turns a ciphertext into a secret.
 */
import { Worker } from "node:worker_threads";
import type { ServerKey } from "@sealroom/proto/session";
import type { Logger } from "@sealroom/runtime";

/** What a thread starts with: the private key (PKCS#8 PEM, as in the key file), never leaving this process. */
export interface RsaWorkerData {
  privatePem: string;
}

export interface RsaRequest {
  id: number;
  ciphertext: Uint8Array;
}

/** `plaintext` absent: the ciphertext did not decrypt. */
export interface RsaReply {
  id: number;
  plaintext?: Uint8Array;
}

export interface RsaPoolOptions {
  /** The private key as PKCS#8 PEM (the key file's content). */
  privatePem: string;
  threads: number;
  /** The same decryption on the calling thread: used while no thread is running. */
  inline: ServerKey["decrypt"];
  log: Logger;
  /** Before a dead thread is replaced (default 1 s), so a thread that cannot start does not spin. */
  restartDelayMs?: number;
}

interface Pending {
  ciphertext: Uint8Array;
  resolve(plaintext: Uint8Array): void;
  reject(err: Error): void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class RsaPool {
  private readonly slots: Array<Thread | undefined>;
  private nextId = 1;
  private closed = false;
  private readonly restarts = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: RsaPoolOptions) {
    if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new Error("RsaPool: threads must be >= 1");
    this.slots = Array.from({ length: opts.threads }, () => undefined);
    for (let i = 0; i < opts.threads; i++) this.start(i);
  }

  /** Rejects as the inline decryption does when the ciphertext does not decrypt. */
  decrypt(ciphertext: Uint8Array): Promise<Uint8Array> {
    let best: Thread | undefined;
    for (const t of this.slots) if (t && (!best || t.pending.size < best.pending.size)) best = t;
    if (this.closed || !best) return this.opts.inline(ciphertext);
    const thread = best;
    return new Promise<Uint8Array>((resolve, reject) => {
      const id = this.nextId++;
      thread.pending.set(id, { ciphertext, resolve, reject });
      // A copy: the ciphertext is a view into the frame, and a clone would copy the whole buffer under it.
      const request: RsaRequest = { id, ciphertext: ciphertext.slice() };
      thread.worker.postMessage(request);
    });
  }

  /** The running threads (tests end one to check that nothing waiting on it is lost). */
  get workers(): Worker[] {
    return this.slots.flatMap((t) => (t ? [t.worker] : []));
  }

  /** Ends the threads; what they still had is decrypted inline, as is everything after. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.restarts) clearTimeout(t);
    this.restarts.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private start(slot: number): void {
    const workerData: RsaWorkerData = { privatePem: this.opts.privatePem };
    const worker = new Worker(new URL("./rsa-worker.js", import.meta.url), { workerData });
    // An idle pool must not keep a stopping process alive.
    worker.unref();
    const thread: Thread = { worker, pending: new Map() };
    this.slots[slot] = thread;
    worker.on("message", (m: unknown) => this.onReply(thread, m));
    worker.on("error", (err) => this.opts.log.error({ err }, "gateway RSA thread failed"));
    worker.once("exit", (code) => this.onExit(slot, thread, code));
  }

  private onReply(thread: Thread, m: unknown): void {
    if (!isReply(m)) {
      this.opts.log.error("gateway RSA thread sent a malformed reply");
      return;
    }
    const p = thread.pending.get(m.id);
    if (!p) return;
    thread.pending.delete(m.id);
    if (m.plaintext) p.resolve(m.plaintext);
    else p.reject(new Error("rsa decrypt failed"));
  }

  private onExit(slot: number, thread: Thread, code: number): void {
    if (this.slots[slot] === thread) this.slots[slot] = undefined;
    // Nothing waiting on a dead thread is lost: it is decrypted here instead.
    for (const p of thread.pending.values()) this.opts.inline(p.ciphertext).then(p.resolve, p.reject);
    thread.pending.clear();
    if (this.closed) return;
    this.opts.log.error({ code }, "gateway RSA thread exited; replacing it");
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (!this.closed) this.start(slot);
    }, this.opts.restartDelayMs ?? 1000);
    timer.unref();
    this.restarts.add(timer);
  }
}

function isReply(m: unknown): m is RsaReply {
  if (typeof m !== "object" || m === null || !("id" in m) || typeof m.id !== "number") return false;
  return !("plaintext" in m) || m.plaintext === undefined || m.plaintext instanceof Uint8Array;
}

/** `key` with its decryptions on `pool`; everything else (SPKI, key id, ticket keys) as it was. */
export function pooledServerKey(key: ServerKey, pool: RsaPool): ServerKey {
  return { ...key, decrypt: (ciphertext) => pool.decrypt(ciphertext) };
}
