/** Counts per key, for connection caps. */
export class Tally<K> {
  private readonly counts = new Map<K, number>();
  get(key: K): number {
    return this.counts.get(key) ?? 0;
  }
  inc(key: K): void {
    this.counts.set(key, this.get(key) + 1);
  }
  dec(key: K): void {
    const n = this.get(key) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}
