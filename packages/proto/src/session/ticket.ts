/**
 * Resumption tickets (docs/PROTOCOL.md, "Session resumption"): after a handshake the gateway hands
 * the client an opaque ticket holding the session's resumption secret, sealed under a key every
 * replica derives from the shared RSA key file, so any replica can resume the session later without
 * the RSA private-key operation and without shared state.
 *
 *   plaintext = format (1) || suite (1) || issued_at ms (8) || expires_at ms (8) || resumption (32)
 *   ticket    = nonce (12) || AES-256-GCM(ticket_key(period), nonce, aad = "sealroom/v1 ticket", plaintext)
 */
import { z } from "zod";
import { isSuite, type Aead, type CryptoBackend, type ServerKey, type Suite } from "./backend.js";
import { concat, fromHex, toHex, u64, utf8 } from "./bytes.js";

export const TICKET_FORMAT = 1;
export const TICKET_NONCE_LENGTH = 12;
export const TICKET_PLAINTEXT_LENGTH = 1 + 1 + 8 + 8 + 32;
/** Length of a format-1 ticket: nonce, sealed plaintext, tag. */
export const TICKET_LENGTH = TICKET_NONCE_LENGTH + TICKET_PLAINTEXT_LENGTH + 16;
const TICKET_AAD = utf8("sealroom/v1 ticket");

/** The `transport.ticket.v1` event that carries a ticket to the client, in a DATA record. */
export const TRANSPORT_TICKET_EVENT = "transport.ticket.v1";
export const transportTicketSchema = z.strictObject({
  /** The ticket, lower-case hex. */
  ticket: z
    .string()
    .max(1024)
    .regex(/^(?:[0-9a-f]{2})+$/),
  /** How long from receipt the client may offer it. */
  lifetimeMs: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 60 * 60 * 1000),
});
export type TransportTicket = z.infer<typeof transportTicketSchema>;

export interface TicketContents {
  suite: Suite;
  issuedAt: number;
  expiresAt: number;
  resumption: Uint8Array;
}

export function encodeTicketPlaintext(t: TicketContents): Uint8Array {
  if (t.resumption.length !== 32) throw new Error("a resumption secret has 32 bytes");
  return concat(
    new Uint8Array([TICKET_FORMAT, t.suite]),
    u64(BigInt(t.issuedAt)),
    u64(BigInt(t.expiresAt)),
    t.resumption,
  );
}

/** Undefined for anything but a well-formed format-1 plaintext (it authenticated, so this is a newer format). */
export function decodeTicketPlaintext(b: Uint8Array): TicketContents | undefined {
  if (b.length !== TICKET_PLAINTEXT_LENGTH || b[0] !== TICKET_FORMAT) return undefined;
  const suite = b[1]!;
  if (!isSuite(suite)) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    suite,
    issuedAt: Number(view.getBigUint64(2)),
    expiresAt: Number(view.getBigUint64(10)),
    resumption: b.slice(18),
  };
}

export function sealTicket(aead: Aead, nonce: Uint8Array, t: TicketContents): Promise<Uint8Array> {
  return aead.seal(nonce, TICKET_AAD, encodeTicketPlaintext(t)).then((sealed) => concat(nonce, sealed));
}

export interface TicketPolicy {
  /** How long a ticket is accepted after it was issued; at most `rotationMs`. */
  lifetimeMs: number;
  /** Length of a ticket-key period; tickets of the current and the previous period are accepted. */
  rotationMs: number;
}

/** Issues and opens tickets for one server key. Keys are derived per period and cached. */
export class TicketAuthority {
  private readonly keys = new Map<number, Promise<Aead>>();

  constructor(
    private readonly backend: CryptoBackend,
    private readonly serverKey: Required<Pick<ServerKey, "ticketKey">>,
    readonly policy: TicketPolicy,
    private readonly now: () => number = Date.now,
  ) {
    if (!(policy.lifetimeMs > 0) || policy.lifetimeMs > policy.rotationMs) {
      throw new Error("a ticket's lifetime must be positive and at most the key rotation period");
    }
  }

  private aead(period: number): Promise<Aead> {
    let a = this.keys.get(period);
    if (!a) {
      a = this.serverKey.ticketKey(period).then((key) => this.backend.aead(key));
      this.keys.set(period, a);
      // Only the current and previous periods are ever used.
      for (const p of this.keys.keys()) if (p < period - 1) this.keys.delete(p);
    }
    return a;
  }

  async issue(suite: Suite, resumption: Uint8Array): Promise<TransportTicket> {
    const now = this.now();
    const period = Math.floor(now / this.policy.rotationMs);
    const nonce = this.backend.randomBytes(TICKET_NONCE_LENGTH);
    const contents = { suite, issuedAt: now, expiresAt: now + this.policy.lifetimeMs, resumption };
    const ticket = await sealTicket(await this.aead(period), nonce, contents);
    return { ticket: toHex(ticket), lifetimeMs: this.policy.lifetimeMs };
  }

  /** The contents of a ticket this deployment issued and that is still valid; undefined otherwise. */
  async open(ticket: Uint8Array): Promise<TicketContents | undefined> {
    if (ticket.length !== TICKET_LENGTH) return undefined;
    const now = this.now();
    const period = Math.floor(now / this.policy.rotationMs);
    const nonce = ticket.subarray(0, TICKET_NONCE_LENGTH);
    const sealed = ticket.subarray(TICKET_NONCE_LENGTH);
    for (const p of [period, period - 1]) {
      let plaintext: Uint8Array;
      try {
        plaintext = await (await this.aead(p)).open(nonce, TICKET_AAD, sealed);
      } catch {
        continue;
      }
      const t = decodeTicketPlaintext(plaintext);
      if (!t || now >= t.expiresAt || t.expiresAt - t.issuedAt > this.policy.lifetimeMs) return undefined;
      return t;
    }
    return undefined;
  }
}

export function ticketBytes(t: TransportTicket): Uint8Array {
  return fromHex(t.ticket);
}
