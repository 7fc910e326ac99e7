/** What every social module gets: storage, time, configuration, logging and the publisher. */
import type { Logger } from "@sealroom/runtime";
import type { Clock } from "./clock.js";
import type { SocialConfig } from "./config.js";
import { Outbox, type Publisher } from "./outbox.js";
import type { Store, Tx } from "./store.js";

export interface Deps {
  store: Store;
  clock: Clock;
  config: SocialConfig;
  log: Logger;
  publisher: Publisher;
}

/**
 * Runs one serialized write transaction with a fresh outbox (a retried attempt starts over) and
 * publishes the outbox once the transaction has committed.
 */
export async function mutate<T>(deps: Deps, fn: (tx: Tx, out: Outbox, now: Date) => Promise<T>): Promise<T> {
  let outbox = new Outbox();
  const value = await deps.store.write((tx) => {
    outbox = new Outbox();
    return fn(tx, outbox, new Date(deps.clock()));
  });
  outbox.flush(deps.publisher);
  return value;
}
