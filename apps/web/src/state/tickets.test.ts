import { describe, expect, test } from "vitest";
import { LocalStorageTicketStore, TICKET_LOCK, TICKET_STORAGE_KEY } from "./tickets.js";

const TICKET = "A".repeat(40) + "b-_";

describe("LocalStorageTicketStore", () => {
  test("a saved ticket survives a new store instance (a reload)", () => {
    new LocalStorageTicketStore().save({ ticket: TICKET, expiresAt: Date.now() + 60_000 });
    expect(localStorage.getItem(TICKET_STORAGE_KEY)).toContain(TICKET);
    expect(new LocalStorageTicketStore().load()?.ticket).toBe(TICKET);
  });

  test("clear removes it (logout)", () => {
    const store = new LocalStorageTicketStore();
    store.save({ ticket: TICKET, expiresAt: Date.now() + 60_000 });
    store.clear();
    expect(localStorage.getItem(TICKET_STORAGE_KEY)).toBeNull();
    expect(store.load()).toBeUndefined();
  });

  test("an expired ticket is not offered and is removed", () => {
    const store = new LocalStorageTicketStore(localStorage, () => 1_000);
    store.save({ ticket: TICKET, expiresAt: 999 });
    expect(store.load()).toBeUndefined();
    expect(localStorage.getItem(TICKET_STORAGE_KEY)).toBeNull();
  });

  test("malformed stored data counts as no ticket", () => {
    const store = new LocalStorageTicketStore();
    for (const raw of ["{", "null", '{"ticket":"short","expiresAt":9e15}', `{"ticket":"${TICKET}"}`, '"x"']) {
      localStorage.setItem(TICKET_STORAGE_KEY, raw);
      expect(store.load(), raw).toBeUndefined();
    }
  });

  test("disabled storage degrades to no persistence instead of throwing", () => {
    const broken = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => {
        throw new Error("SecurityError");
      },
    };
    const store = new LocalStorageTicketStore(broken);
    expect(() => store.save({ ticket: TICKET, expiresAt: Date.now() + 1000 })).not.toThrow();
    expect(store.load()).toBeUndefined();
    expect(() => store.clear()).not.toThrow();
  });

  test("withLock runs load -> resume -> save under the origin-wide Web Lock, one tab at a time", async () => {
    const taken: string[] = [];
    let tail: Promise<unknown> = Promise.resolve();
    const locks = {
      request: ((name: string, opts: LockOptions, cb: () => Promise<unknown>) => {
        taken.push(`${name}:${opts.mode}`);
        const run = tail.then(cb);
        tail = run.catch(() => undefined);
        return run;
      }) as unknown as LockManager["request"],
    };
    const store = new LocalStorageTicketStore(localStorage, Date.now, locks);
    const order: string[] = [];
    const task = (name: string) => async () => {
      order.push(`${name} start`);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`${name} end`);
      return name;
    };
    expect(await Promise.all([store.withLock(task("a")), store.withLock(task("b"))])).toEqual(["a", "b"]);
    expect(order).toEqual(["a start", "a end", "b start", "b end"]);
    expect(taken).toEqual([`${TICKET_LOCK}:exclusive`, `${TICKET_LOCK}:exclusive`]);
  });

  test("without Web Locks the task still runs", async () => {
    const store = new LocalStorageTicketStore(localStorage, Date.now, undefined);
    expect(await store.withLock(async () => 42)).toBe(42);
  });
});
