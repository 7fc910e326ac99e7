import { expect, test } from "vitest";
import { SUITES } from "@sealroom/proto/session";
import { TransportTickets } from "./transport-tickets.js";

const offer = (n: number) => ({
  ticket: new Uint8Array([n]),
  resumption: new Uint8Array(32).fill(n),
  suite: SUITES.X25519_AES256GCM_SHA256,
});

test("keeps the latest ticket per gateway key until it expires or is forgotten", () => {
  let now = 1000;
  const t = new TransportTickets(() => now);
  const a = new Uint8Array(32).fill(1);
  const b = new Uint8Array(32).fill(2);
  t.keep(a, offer(1), 500);
  t.keep(a, offer(2), 500);
  expect(t.offer(a)).toEqual(offer(2));
  expect(t.offer(b)).toBeUndefined();
  now = 1499;
  expect(t.offer(a)).toEqual(offer(2));
  now = 1500;
  expect(t.offer(a)).toBeUndefined();
  t.keep(b, offer(3), 500);
  t.forget(b);
  expect(t.offer(b)).toBeUndefined();
});
