import { createHash, randomBytes } from "node:crypto";

/** A resume ticket as handed out (`ticket`) and as stored (`hash`). */
export interface MintedTicket {
  ticket: string;
  hash: string;
  expiresAt: Date;
}

/** 32 random bytes, base64url (43 characters, `ticketSchema`). */
export function mintTicket(now: number, ttlMs: number, sessionExpiresAt: Date): MintedTicket {
  const ticket = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Math.min(now + ttlMs, sessionExpiresAt.getTime()));
  return { ticket, hash: hashTicket(ticket), expiresAt };
}

/** Tickets are stored only as their SHA-256 (hex): a database leak yields no usable ticket. */
export function hashTicket(ticket: string): string {
  return createHash("sha256").update(ticket).digest("hex");
}

/** 16 random bytes, base64url (22 characters). */
export function newSessionId(): string {
  return randomBytes(16).toString("base64url");
}
