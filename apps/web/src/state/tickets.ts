/**
 * The resume ticket in localStorage, so a reload (or a browser restart) resumes the session without
 * the password.
 *
 * Trade-off: any script running on this origin can read localStorage, so an XSS bug would leak the
 * ticket (a session, not the password). The gateway's CSP (`script-src 'self' 'wasm-unsafe-eval'`, no inline scripts,
 * no external origins) is what keeps foreign scripts out; tickets are also single-use, expire within
 * 24 h and are revoked by logout and password changes. sessionStorage would not survive closing the
 * tab, and an HttpOnly cookie does not fit a protocol that authenticates inside the WebSocket channel.
 */
import type { StoredTicket, TicketStore } from "@sealroom/sdk/browser";

export const TICKET_STORAGE_KEY = "sealroom.ticket";
/** The Web Locks name every tab of this origin takes around load -> resume -> save. */
export const TICKET_LOCK = "sealroom.ticket";
const TICKET_RE = /^[A-Za-z0-9_-]{43}$/;

export class LocalStorageTicketStore implements TicketStore {
  constructor(
    private readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem"> | undefined = globalThis.localStorage,
    private readonly now: () => number = Date.now,
    private readonly locks: Pick<LockManager, "request"> | undefined = globalThis.navigator?.locks,
  ) {}

  /**
   * Tabs of one origin share this ticket, and it is single-use: without the lock, two tabs opened or
   * reconnecting together would both resume with it. The server takes the second for a retry after
   * a lost reply and replaces the first's new ticket, so if that tab saved last, the next reload
   * presents a replaced ticket and the session is revoked. Browsers without Web Locks fall back to
   * that race.
   */
  withLock<T>(task: () => Promise<T>): Promise<T> {
    if (!this.locks) return task();
    return this.locks.request(TICKET_LOCK, { mode: "exclusive" }, () => task()) as Promise<T>;
  }

  load(): StoredTicket | undefined {
    const raw = this.read();
    if (raw === null) return undefined;
    const ticket = parseTicket(raw);
    if (!ticket || ticket.expiresAt <= this.now()) {
      this.clear();
      return undefined;
    }
    return ticket;
  }

  save(ticket: StoredTicket): void {
    try {
      this.storage?.setItem(TICKET_STORAGE_KEY, JSON.stringify({ ticket: ticket.ticket, expiresAt: ticket.expiresAt }));
    } catch {
      // Storage full or disabled: the session still works until the page closes.
    }
  }

  clear(): void {
    try {
      this.storage?.removeItem(TICKET_STORAGE_KEY);
    } catch {
      // disabled storage holds nothing to clear
    }
  }

  private read(): string | null {
    try {
      return this.storage?.getItem(TICKET_STORAGE_KEY) ?? null;
    } catch {
      return null;
    }
  }
}

/** Stored data is input like any other: anything malformed is treated as no ticket. */
function parseTicket(raw: string): StoredTicket | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { ticket, expiresAt } = value as Record<string, unknown>;
  if (typeof ticket !== "string" || !TICKET_RE.test(ticket)) return undefined;
  if (typeof expiresAt !== "number" || !Number.isFinite(expiresAt)) return undefined;
  return { ticket, expiresAt };
}
