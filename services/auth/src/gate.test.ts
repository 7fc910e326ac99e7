import { describe, expect, it } from "vitest";
import { BoundedGate, GateFullError } from "./gate.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("BoundedGate", () => {
  it("runs at most `concurrency` tasks, queues up to `maxQueue`, refuses the rest", async () => {
    const gate = new BoundedGate(2, 1);
    const blockers = [deferred(), deferred(), deferred()];
    const order: number[] = [];
    const runs = blockers.map((b, i) =>
      gate.run(async () => {
        order.push(i);
        await b.promise;
        return i;
      }),
    );
    await expect(gate.run(async () => 99)).rejects.toBeInstanceOf(GateFullError);
    await Promise.resolve();
    expect(gate.active).toBe(2);
    expect(gate.queued).toBe(1);
    expect(order).toEqual([0, 1]);
    blockers[0]?.resolve();
    await runs[0];
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2]);
    blockers[1]?.resolve();
    blockers[2]?.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(gate.active).toBe(0);
    expect(gate.queued).toBe(0);
  });

  it("frees the slot when a task throws", async () => {
    const gate = new BoundedGate(1, 0);
    await expect(gate.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await gate.run(async () => "ok")).toBe("ok");
  });
});
