import { describe, expect, it } from "vitest";
import { RETRY_HINT_MAX_MS, RETRY_HINT_MIN_MS, RetryPacer } from "./retry-pacer.js";

describe("AUTH_BUSY retry hints", () => {
  it("a burst of refusals is told to come back one place-freeing step apart, after the backlog", () => {
    const pacer = new RetryPacer(() => 1_000);
    // 34 places ahead at 150 ms each (a 300 ms hash over 2 slots): the backlog clears in 5.1 s.
    const hints = Array.from({ length: 4 }, () => pacer.next(150, 34 * 150));
    expect(hints).toEqual([5_100, 5_250, 5_400, 5_550]);
  });

  it("a lone refusal after a quiet spell waits only for the backlog, never less than the minimum", () => {
    let now = 0;
    const pacer = new RetryPacer(() => now);
    expect(pacer.next(150, 1_000)).toBe(1_000);
    now = 60_000;
    expect(pacer.next(150, 1_000)).toBe(1_000);
    expect(new RetryPacer(() => now).next(2, 10)).toBe(RETRY_HINT_MIN_MS);
  });

  it("the schedule moves on with the clock: a refusal later in a storm takes the next free moment", () => {
    let now = 0;
    const pacer = new RetryPacer(() => now);
    for (let i = 0; i < 10; i++) pacer.next(100, 500);
    // The tenth was told 500 + 9 * 100 = 1,400 ms; 1 s later the next free moment is 500 ms away.
    now = 1_000;
    expect(pacer.next(100, 0)).toBe(500);
  });

  it("never hints past the maximum, however long the storm", () => {
    const pacer = new RetryPacer(() => 0);
    const hints = Array.from({ length: 1_000 }, () => pacer.next(150, 5_000));
    expect(Math.max(...hints)).toBe(RETRY_HINT_MAX_MS);
    expect(hints.at(-1)).toBe(RETRY_HINT_MAX_MS);
  });
});
