/**
 * The transport resumption tickets a client holds (docs/PROTOCOL.md section 4.8), in memory only:
 * the latest per gateway key id, with the resumption secret it stands for. A reconnect to a gateway
 * announcing that key offers it and skips the gateway's RSA operation; nothing here is persisted,
 * so a restarted client does one full handshake.
 */
import { toHex, type ResumptionOffer } from "@sealroom/proto/session";

interface Held {
  offer: ResumptionOffer;
  expiresAt: number;
}

export class TransportTickets {
  private readonly byKey = new Map<string, Held>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The ticket to offer to a gateway announcing `keyId`, if one is held and not expired. */
  offer(keyId: Uint8Array): ResumptionOffer | undefined {
    const held = this.byKey.get(toHex(keyId));
    if (!held) return undefined;
    if (this.now() >= held.expiresAt) {
      this.byKey.delete(toHex(keyId));
      return undefined;
    }
    return held.offer;
  }

  /** Keeps `offer` (replacing an older one) for `lifetimeMs` from now, as the gateway said. */
  keep(keyId: Uint8Array, offer: ResumptionOffer, lifetimeMs: number): void {
    this.byKey.set(toHex(keyId), { offer, expiresAt: this.now() + lifetimeMs });
  }

  /** Drops the ticket for `keyId`: the gateway refused it, or could not read a ResumeHello at all. */
  forget(keyId: Uint8Array): void {
    this.byKey.delete(toHex(keyId));
  }
}
