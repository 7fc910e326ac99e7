/**
 * Runs async tasks one at a time. A process that needs a read-then-write sequence runs every
 * database access through one queue, so no other query can slip into its interactive transaction
 * (the adapter has a single connection).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  get size(): number {
    return this.pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task);
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }
}
