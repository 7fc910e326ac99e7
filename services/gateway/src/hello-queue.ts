/**
 * Handshakes answered a few milliseconds' worth per event-loop turn. When a gateway dies, its
 * users' hellos reach the survivor together; each costs ~0.3 ms (X25519, the key schedule, the
 * ticket's opening; ~1 ms with the RSA decryption of a full handshake), and they were answered in
 * the I/O phase that read them: libuv hands over thousands of ready sockets in one poll, so the
 * loop ran seconds without a timer, a heartbeat or a signed-in user's message (S5's resume storm:
 * the gateway's event-loop p99 up to 2.5 s). Here the read only queues the ClientHello (and later
 * the ClientFinished, which goes before the hellos still waiting, so sessions in progress complete
 * first); the check phase runs them in order until the budget is spent, then yields to the rest of
 * the loop. Since every session passes through its handshake first, the rest of its work (the
 * resume, its replies, presence) follows at the same pace rather than as one burst.
 *
 * A job is awaited to its end, so its time is measured whole: it must not wait on real I/O. The
 * node:crypto handshake does not; with the RSA decryption on worker threads (GATEWAY_RSA_THREADS),
 * it would, and the gateway does without this queue.
 */
export class HelloQueue {
  private readonly jobs: Array<() => Promise<void>> = [];
  /** ClientFinished: a handshake already answered completes before new ones are answered. */
  private readonly finishing: Array<() => Promise<void>> = [];
  private draining = false;

  constructor(private readonly budgetMs = 5) {}

  /**
   * Runs `work` in turn; resolves or rejects with it. `finishing`: the second half of a handshake
   * already begun, run before the hellos waiting (so sessions in progress complete first).
   */
  run<T>(work: () => Promise<T>, finishing = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (finishing ? this.finishing : this.jobs).push(() => {
        try {
          return work().then(resolve, reject);
        } catch (err) {
          // A job that throws before its first await must not stop the queue.
          reject(err);
          return Promise.resolve();
        }
      });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Waiting jobs (a gauge for tests and metrics). */
  get waiting(): number {
    return this.jobs.length + this.finishing.length;
  }

  private async drain(): Promise<void> {
    const start = performance.now();
    do {
      await (this.finishing.shift() ?? this.jobs.shift()!)();
    } while (this.waiting > 0 && performance.now() - start < this.budgetMs);
    // An immediate queued from the check phase runs in the next turn, after timers and I/O.
    if (this.waiting > 0) setImmediate(() => void this.drain());
    else this.draining = false;
  }
}
