/**
 * Server key pinning. Each gateway announces its RSA key; the client compares its SHA-256 (hex)
 * with what it pinned for that host: an explicit pin, or the key it trusted on first use.
 */
import { formatFingerprint, fromHex, toHex } from "@sealroom/proto/session";

export interface PinStore {
  get(host: string): Promise<string | undefined> | string | undefined;
  set(host: string, keyIdHex: string): Promise<void> | void;
  /**
   * Where `host`'s pin is kept and how to replace it, for the changed-key refusal: a user facing
   * a legitimately rotated key must be able to accept it without reading the SDK's source.
   */
  describe?(host: string): string;
}

/** Thrown (and the connection abandoned) when the server key differs from the pinned one. */
export class KeyMismatchError extends Error {
  constructor(
    readonly host: string,
    readonly expected: string,
    readonly actual: string,
    /** Where the pin lives and how to accept a new key (PinStore.describe, or the explicit pin). */
    readonly remedy?: string,
  ) {
    super(
      `THE SERVER KEY FOR ${host} HAS CHANGED. Expected ${formatFingerprint(fromHex(expected))}, ` +
        `got ${formatFingerprint(fromHex(actual))}. Someone may be intercepting the connection, or the ` +
        `operator replaced the key. Not connecting.` +
        (remedy ? ` Only if the operator announced this new fingerprint through a channel you trust: ${remedy}` : ""),
    );
    this.name = "KeyMismatchError";
  }
}

/** Thrown when a first-use policy declines an unknown key. */
export class KeyRejectedError extends Error {
  constructor(
    readonly host: string,
    readonly fingerprint: string,
  ) {
    super(`The server key ${fingerprint} for ${host} was not accepted.`);
    this.name = "KeyRejectedError";
  }
}

export class MemoryPinStore implements PinStore {
  private readonly pins = new Map<string, string>();
  get(host: string) {
    return this.pins.get(host);
  }
  set(host: string, keyIdHex: string) {
    this.pins.set(host, keyIdHex);
  }
}

export interface PinPolicy {
  store: PinStore;
  /** An explicit pin (hex SHA-256 of the SPKI, or its formatted fingerprint); overrides the store. */
  pin?: string | undefined;
  /** Called for an unknown host; resolve false to refuse. Default: trust on first use. */
  onFirstUse?: ((host: string, fingerprint: string) => boolean | Promise<boolean>) | undefined;
}

export function normalizePin(pin: string): string {
  return pin.replace(/[:\s]/g, "").toLowerCase();
}

export async function verifyPin(policy: PinPolicy, host: string, keyId: Uint8Array): Promise<void> {
  const actual = toHex(keyId);
  const expected = policy.pin ? normalizePin(policy.pin) : await policy.store.get(host);
  if (expected !== undefined) {
    if (expected !== actual) {
      const remedy = policy.pin
        ? "the expected key was given with the pin option; pass the new fingerprint there instead."
        : policy.store.describe?.(host);
      throw new KeyMismatchError(host, expected, actual, remedy);
    }
    return;
  }
  const accept = policy.onFirstUse ? await policy.onFirstUse(host, formatFingerprint(keyId)) : true;
  if (!accept) throw new KeyRejectedError(host, formatFingerprint(keyId));
  await policy.store.set(host, actual);
}
