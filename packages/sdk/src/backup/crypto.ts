/**
 * The history backup's cryptography (docs/E2E.md section 12): the backup key and its check, the
 * sealing of archive entries, the recovery passphrase's wrap, and the secrets of a device approval.
 * WebCrypto only (the same code in browsers and Node 20), plus argon2id from hash-wasm, loaded
 * only when a passphrase is used so it stays out of the web app's first load.
 */
import { passphraseWrapSchema, type PassphraseWrap } from "@sealroom/proto/backup";
import { b64, fromB64 } from "../e2e/base64url.js";

export const BACKUP_KEY_BYTES = 32;
/** What a new passphrase wrap costs: argon2id, 64 MiB, 3 passes, one lane (OWASP's second profile, stronger). */
export const PASSPHRASE_KDF = { memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 } as const;
export type PassphraseKdf = { memoryKiB: number; iterations: number; parallelism: number };

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ENTRY_BYTES_MAX = 40 * 1024;
const utf8 = (text: string) => new TextEncoder().encode(text);

/** WebCrypto's key type, named without the DOM library (Node's typecheck has none). */
type WebKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

export function newBackupKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(BACKUP_KEY_BYTES));
}

/** HMAC-SHA-256(key, "sealroom backup key check v1"), base64url: tells a right key from a wrong one. */
export async function keyCheck(key: Uint8Array): Promise<string> {
  const hmac = await crypto.subtle.importKey("raw", new Uint8Array(key), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return b64(new Uint8Array(await crypto.subtle.sign("HMAC", hmac, utf8("sealroom backup key check v1"))));
}

/** Where an archive entry belongs: moving it anywhere else makes it fail to open. */
export interface EntryPlace {
  userId: number;
  conversationId: string;
  seq: number;
  keyVersion: number;
}

const entryAad = (p: EntryPlace) =>
  utf8(`sealroom-history-v1|${p.userId}|${p.conversationId}|${p.seq}|${p.keyVersion}`);

/** The entry key derived once per backup key (by identity of the bytes: a key never changes). */
const entryKeys = new WeakMap<Uint8Array, Promise<WebKey>>();

function entryKeyOf(key: Uint8Array): Promise<WebKey> {
  let derived = entryKeys.get(key);
  if (!derived) {
    derived = hkdfAesKey(key, new Uint8Array(0), utf8("sealroom history entry v1"));
    entryKeys.set(key, derived);
  }
  return derived;
}

/** AES-256-GCM of `plaintext` under HKDF(key, "sealroom history entry v1"): base64url of nonce, ciphertext, tag. */
export async function sealEntry(key: Uint8Array, place: EntryPlace, plaintext: Uint8Array): Promise<string> {
  return b64(await sealWith(await entryKeyOf(key), entryAad(place), plaintext));
}

/** The entry's plaintext; undefined when it does not open (wrong key, place or version; tampered; malformed). */
export async function openEntry(key: Uint8Array, place: EntryPlace, sealed: string): Promise<Uint8Array | undefined> {
  try {
    const bytes = decoded(sealed, NONCE_BYTES + TAG_BYTES, ENTRY_BYTES_MAX);
    if (!bytes || key.length !== BACKUP_KEY_BYTES) return undefined;
    return await openWith(await entryKeyOf(key), entryAad(place), bytes);
  } catch {
    return undefined;
  }
}

/** The backup key wrapped under argon2id(NFKC(passphrase)): what the server keeps for a recovery. */
export async function wrapWithPassphrase(
  key: Uint8Array,
  version: number,
  passphrase: string,
  kdf: PassphraseKdf = PASSPHRASE_KDF,
): Promise<PassphraseWrap> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const wrapKey = await passphraseKey(passphrase, salt, kdf);
  const wrapped = await sealWith(wrapKey, passphraseAad(version), key);
  return { kdf: "argon2id", salt: b64(salt), ...kdf, wrapped: b64(wrapped) };
}

/**
 * The key, or undefined for a wrong passphrase or version, or a wrap that is not one. Throws only
 * when argon2id cannot run here (WebAssembly refused, e.g. by a CSP without 'wasm-unsafe-eval'):
 * that must not look like a wrong passphrase.
 */
export async function unwrapWithPassphrase(
  wrap: unknown,
  version: number,
  passphrase: string,
): Promise<Uint8Array | undefined> {
  // The parameters come from the server: the schema bounds them, so a wrap cannot make this hang.
  const parsed = passphraseWrapSchema.safeParse(wrap);
  if (!parsed.success) return undefined;
  const w = parsed.data;
  const salt = decoded(w.salt, 16, 16);
  const wrapped = decoded(w.wrapped, NONCE_BYTES + TAG_BYTES, 128);
  if (!salt || !wrapped) return undefined;
  const wrapKey = await passphraseKey(passphrase, salt, w);
  const key = await openWith(wrapKey, passphraseAad(version), wrapped);
  return key?.length === BACKUP_KEY_BYTES ? key : undefined;
}

const passphraseAad = (version: number) => utf8(`sealroom-passphrase-v1|${version}`);

async function passphraseKey(passphrase: string, salt: Uint8Array, kdf: PassphraseKdf): Promise<WebKey> {
  const { argon2id } = await import("hash-wasm");
  const bytes = await argon2id({
    password: utf8(passphrase.normalize("NFKC")),
    salt,
    memorySize: kdf.memoryKiB,
    iterations: kdf.iterations,
    parallelism: kdf.parallelism,
    hashLength: 32,
    outputType: "binary",
  });
  return crypto.subtle.importKey("raw", new Uint8Array(bytes), "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** Raw bytes of base64url text of `min`..`max` bytes, or undefined (never throws). */
export function decoded(text: string, min: number, max: number): Uint8Array | undefined {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = fromB64(text);
  } catch {
    return undefined;
  }
  return bytes.length >= min && bytes.length <= max ? bytes : undefined;
}

export async function hkdfAesKey(secret: Uint8Array, salt: Uint8Array, info: Uint8Array): Promise<WebKey> {
  const base = await crypto.subtle.importKey("raw", new Uint8Array(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(salt), info: new Uint8Array(info) },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** A random nonce, then AES-256-GCM's ciphertext and tag. */
export async function sealWith(key: WebKey, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: new Uint8Array(aad) },
    key,
    new Uint8Array(plaintext),
  );
  const out = new Uint8Array(NONCE_BYTES + sealed.byteLength);
  out.set(nonce);
  out.set(new Uint8Array(sealed), NONCE_BYTES);
  return out;
}

export async function openWith(key: WebKey, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined> {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.slice(0, NONCE_BYTES), additionalData: new Uint8Array(aad) },
      key,
      sealed.slice(NONCE_BYTES),
    );
    return new Uint8Array(plain);
  } catch {
    return undefined;
  }
}
