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
