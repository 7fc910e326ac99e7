import { expect, test } from "vitest";
import { InFlight } from "./inflight.js";

const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(r, ms, value));

test("settled() waits for tracked work, failed work included, and for work tracked while it waits", async () => {
  const inflight = new InFlight();
  const order: string[] = [];
  expect(await inflight.track(later(5, "value"))).toBe("value");
  const failing = inflight.track(Promise.reject(new Error("boom")));
  failing.catch(() => undefined);
  void inflight.track(later(20, "a").then(() => void order.push("a")));
  void inflight.track(
    later(10, "b").then(() => {
      order.push("b");
      void inflight.track(later(30, "c").then(() => void order.push("c")));
    }),
  );
  expect(inflight.size).toBe(3);
  await inflight.settled();
  expect(order).toEqual(["b", "a", "c"]);
  expect(inflight.size).toBe(0);
});
