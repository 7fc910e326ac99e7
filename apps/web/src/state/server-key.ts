/** GET /server-key: the gateway's key, to show its fingerprint before the first connection. */
import { formatFingerprint, fromHex } from "@sealroom/proto/session";

export interface ServerKeyInfo {
  /** Hex SHA-256 of the SPKI: what the SDK pins. */
  keyId: string;
  /** The same, formatted for people: "abcd:ef01:...". */
  fingerprint: string;
}

const KEY_ID_RE = /^[0-9a-f]{64}$/;

/** The fingerprint is recomputed from keyId, so what the user compares is exactly what gets pinned. */
export function parseServerKey(value: unknown): ServerKeyInfo | undefined {
  if (typeof value !== "object" || value === null || !("keyId" in value)) return undefined;
  const keyId = value.keyId;
  if (typeof keyId !== "string" || !KEY_ID_RE.test(keyId)) return undefined;
  return { keyId, fingerprint: formatFingerprint(fromHex(keyId)) };
}

export async function fetchServerKey(timeoutMs = 8000): Promise<ServerKeyInfo> {
  const res = await fetch("/server-key", {
    cache: "no-store",
    credentials: "omit",
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`GET /server-key: HTTP ${res.status}`);
  const info = parseServerKey(await res.json());
  if (!info) throw new Error("GET /server-key: malformed answer");
  return info;
}

export function fingerprintOf(keyIdHex: string): string {
  return formatFingerprint(fromHex(keyIdHex));
}

/** "abcd:ef01…7890": enough to recognise a key at a glance, never enough to verify it. */
export function shortFingerprint(keyIdHex: string): string {
  const groups = fingerprintOf(keyIdHex).split(":");
  return `${groups[0]}:${groups[1]}…${groups[groups.length - 1]}`;
}
