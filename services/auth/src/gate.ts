/** Thrown by {@link BoundedGate.run} when every slot is taken and the wait queue is full. */
export class GateFullError extends Error {
  constructor() {
    super("gate full");
    this.name = "GateFullError";
  }
}

/**
 * At most `concurrency` tasks run at once and at most `maxQueue` wait (FIFO); anything beyond is
 * refused at once, so an overload turns into fast retryable errors instead of a growing backlog.
 */
export class BoundedGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueue: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) {
      this.running++;
    } else if (this.waiting.length < this.maxQueue) {
      // The slot is handed over by the finishing task, so `running` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      throw new GateFullError();
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
