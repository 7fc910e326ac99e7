import { describe, expect, it } from "vitest";
import { HelloQueue } from "./hello-queue.js";

/** Work that holds the thread for `ms`, as a hello's cryptography does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe("HelloQueue", () => {
  it("runs jobs in arrival order and settles each with its own outcome", async () => {
    const q = new HelloQueue();
    const order: number[] = [];
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map((n) =>
        q.run(async () => {
          order.push(n);
          await Promise.resolve();
          if (n === 3) throw new Error("three");
          return n * 10;
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
      10,
      20,
      "three",
      40,
    ]);
    expect(q.waiting).toBe(0);
  });

  it("gives the rest of the event loop a turn once a budget's worth has run", async () => {
    const q = new HelloQueue(5);
    let done = 0;
    let seenByTimer: Promise<number> | undefined;
    const jobs = Array.from({ length: 20 }, () =>
      q.run(async () => {
        // A timer due at once, as a heartbeat or the event-loop monitor would be, set by the first job.
        seenByTimer ??= new Promise<number>((resolve) => setTimeout(() => resolve(done), 0));
        busy(2);
        done++;
      }),
    );
    await Promise.all(jobs);
    expect(done).toBe(20);
    // 20 jobs of 2 ms are 40 ms of work: the timer ran after the first budget's few, not after all.
    const seen = await seenByTimer!;
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThanOrEqual(4);
  });

  it("goes on after a job that throws before its first await", async () => {
    const q = new HelloQueue();
    const thrown = q.run((): Promise<never> => {
      throw new Error("at once");
    });
    const next = q.run(async () => "next");
    await expect(thrown).rejects.toThrow("at once");
    expect(await next).toBe("next");
  });

  it("runs a handshake's second half before the hellos still waiting", async () => {
    const q = new HelloQueue();
    const order: string[] = [];
    const hellos = ["a", "b", "c"].map((n) => q.run(async () => void order.push(`hello ${n}`)));
    const finished = q.run(async () => void order.push("finished"), true);
    await Promise.all([...hellos, finished]);
    expect(order).toEqual(["finished", "hello a", "hello b", "hello c"]);
  });

  it("starts again after it has emptied", async () => {
    const q = new HelloQueue();
    expect(await q.run(async () => "first")).toBe("first");
    expect(await q.run(async () => "second")).toBe("second");
  });
});
