/** Where the client keeps its resume ticket between connections (and, if persistent, restarts). */
export interface StoredTicket {
  ticket: string;
  /** Unix milliseconds. */
  expiresAt: number;
}

export interface TicketStore {
  load(): Promise<StoredTicket | undefined> | StoredTicket | undefined;
  save(ticket: StoredTicket): Promise<void> | void;
  clear(): Promise<void> | void;
  /**
   * Optional: runs `task` exclusively among every client that shares this store (browser tabs
   * sharing localStorage). The client holds it around load -> auth.resume -> save, and around a
   * ticket renewal: tickets are single-use and a reused one revokes the session, so two clients
   * resuming with the same stored ticket would sign each other out. Without it, a store is assumed
   * to have one client.
   */
  withLock?<T>(task: () => Promise<T>): Promise<T>;
}

export class MemoryTicketStore implements TicketStore {
  private value: StoredTicket | undefined;
  load() {
    return this.value && this.value.expiresAt > Date.now() ? this.value : undefined;
  }
  save(ticket: StoredTicket) {
    this.value = ticket;
  }
  clear() {
    this.value = undefined;
  }
}
