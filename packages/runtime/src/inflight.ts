/**
 * Work a service has started and must finish before it stops (the database closes after it).
 * One tracker for serveCommands' commands and the services' own background work (sweeps,
 * presence messages).
 */
export class InFlight {
  private readonly work = new Set<Promise<unknown>>();

  /** Tracks `work` until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.work.add(work);
    const done = () => this.work.delete(work);
    work.then(done, done);
    return work;
  }

  get size(): number {
    return this.work.size;
  }

  /** Resolves once nothing is in flight, including work that started while waiting. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }
}
