/**
 * Wire layout of every binary WebSocket message (docs/PROTOCOL.md, "Frames").
 * All integers are big-endian. Decoders are strict: exact lengths, no trailing bytes.
 */
import { isSuite, ephemeralLength, type Suite } from "./backend.js";
import { concat, u16 } from "./bytes.js";
import { decryptFailed, handshakeFailed } from "./errors.js";

export const PROTOCOL_VERSION = 1;

export const FRAME = {
  SERVER_KEY: 0x01,
  CLIENT_HELLO: 0x02,
  SERVER_HELLO: 0x03,
  /** Resumption: ClientHello's place, with a ticket and a binder instead of the RSA-encrypted secret. */
  RESUME_HELLO: 0x04,
  /** The gateway cannot use the ticket; the client sends a full ClientHello on the same connection. */
  RESUME_REFUSED: 0x05,
  /** Encrypted: Finished MAC (seq 0 in each direction). */
  FINISHED: 0x10,
  /** Encrypted: one UTF-8 JSON message. */
  DATA: 0x11,
  /** Encrypted, empty: the sender switches to the next traffic key after this frame. */
  KEY_UPDATE: 0x12,
} as const;
export type RecordType = typeof FRAME.FINISHED | typeof FRAME.DATA | typeof FRAME.KEY_UPDATE;

export const RANDOM_LENGTH = 32;
export const KEY_ID_LENGTH = 32;
export const RECORD_HEADER_LENGTH = 10;
export const TAG_LENGTH = 16;
/** RSA-OAEP ciphertext lengths a ClientHello may carry: RSA-2048 to RSA-4096. */
export const MIN_RSA_CIPHERTEXT = 256;
export const MAX_RSA_CIPHERTEXT = 512;
const MAX_SPKI = 1024;
/** Ticket lengths a ResumeHello may carry; the gateway refuses (not fails) one it cannot open. */
export const MAX_TICKET_LENGTH = 512;
export const BINDER_LENGTH = 32;

export interface ResumeHello {
  suite: Suite;
  random: Uint8Array;
  keyId: Uint8Array;
  ephemeral: Uint8Array;
  ticket: Uint8Array;
  binder: Uint8Array;
}

export interface ClientHello {
  suite: Suite;
  random: Uint8Array;
  keyId: Uint8Array;
  ephemeral: Uint8Array;
  encryptedSecret: Uint8Array;
}

export interface ServerHello {
  suite: Suite;
  random: Uint8Array;
  ephemeral: Uint8Array;
}

class Reader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
  u8(): number {
    if (this.offset + 1 > this.bytes.length) throw handshakeFailed("truncated");
    return this.bytes[this.offset++]!;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  take(n: number): Uint8Array {
    if (this.offset + n > this.bytes.length) throw handshakeFailed("truncated");
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  end(): void {
    if (this.offset !== this.bytes.length) throw handshakeFailed("trailing bytes");
  }
}

function header(bytes: Uint8Array, type: number): Reader {
  const r = new Reader(bytes);
  if (r.u8() !== PROTOCOL_VERSION) throw handshakeFailed("unsupported protocol version");
  if (r.u8() !== type) throw handshakeFailed(`expected frame type ${type}`);
  return r;
}

function suiteOf(r: Reader): Suite {
  const s = r.u8();
  if (!isSuite(s)) throw handshakeFailed("unsupported suite");
  return s;
}

export function encodeServerKey(spki: Uint8Array): Uint8Array {
  return concat(new Uint8Array([PROTOCOL_VERSION, FRAME.SERVER_KEY]), u16(spki.length), spki);
}

export function decodeServerKey(bytes: Uint8Array): Uint8Array {
  const r = header(bytes, FRAME.SERVER_KEY);
  const len = r.u16();
  if (len === 0 || len > MAX_SPKI) throw handshakeFailed("bad server key length");
  const spki = r.take(len);
  r.end();
  return spki;
}

/** The fields ClientHello and ResumeHello share, in the order both frames start with. */
type HelloHead = Pick<ClientHello, "suite" | "random" | "keyId" | "ephemeral">;

function encodeHelloHead(type: number, h: HelloHead): Uint8Array {
  return concat(
    new Uint8Array([PROTOCOL_VERSION, type, h.suite]),
    h.random,
    h.keyId,
    u16(h.ephemeral.length),
    h.ephemeral,
  );
}

function decodeHelloHead(bytes: Uint8Array, type: number): { r: Reader; head: HelloHead } {
  const r = header(bytes, type);
  const suite = suiteOf(r);
  const random = r.take(RANDOM_LENGTH);
  const keyId = r.take(KEY_ID_LENGTH);
  const ephLen = r.u16();
  if (ephLen !== ephemeralLength(suite)) throw handshakeFailed("bad ephemeral key length");
  return { r, head: { suite, random, keyId, ephemeral: r.take(ephLen) } };
}

export function encodeClientHello(h: ClientHello): Uint8Array {
  return concat(encodeHelloHead(FRAME.CLIENT_HELLO, h), u16(h.encryptedSecret.length), h.encryptedSecret);
}

export function decodeClientHello(bytes: Uint8Array): ClientHello {
  const { r, head } = decodeHelloHead(bytes, FRAME.CLIENT_HELLO);
  const encLen = r.u16();
  if (encLen < MIN_RSA_CIPHERTEXT || encLen > MAX_RSA_CIPHERTEXT) {
    throw handshakeFailed("bad encrypted secret length");
  }
  const encryptedSecret = r.take(encLen);
  r.end();
  return { encryptedSecret, ...head };
}

/** ResumeHello without its binder: the bytes the binder covers (after the ServerKey frame). */
export function encodeResumeHelloPrefix(h: Omit<ResumeHello, "binder">): Uint8Array {
  return concat(encodeHelloHead(FRAME.RESUME_HELLO, h), u16(h.ticket.length), h.ticket);
}

export function decodeResumeHello(bytes: Uint8Array): ResumeHello {
  const { r, head } = decodeHelloHead(bytes, FRAME.RESUME_HELLO);
  const ticketLen = r.u16();
  if (ticketLen === 0 || ticketLen > MAX_TICKET_LENGTH) throw handshakeFailed("bad ticket length");
  const ticket = r.take(ticketLen);
  const binder = r.take(BINDER_LENGTH);
  r.end();
  return { ticket, binder, ...head };
}

export function encodeResumeRefused(): Uint8Array {
  return new Uint8Array([PROTOCOL_VERSION, FRAME.RESUME_REFUSED]);
}

export function decodeResumeRefused(bytes: Uint8Array): void {
  header(bytes, FRAME.RESUME_REFUSED).end();
}

export function encodeServerHello(h: ServerHello): Uint8Array {
  return concat(
    new Uint8Array([PROTOCOL_VERSION, FRAME.SERVER_HELLO, h.suite]),
    h.random,
    u16(h.ephemeral.length),
    h.ephemeral,
  );
}

export function decodeServerHello(bytes: Uint8Array): ServerHello {
  const r = header(bytes, FRAME.SERVER_HELLO);
  const suite = suiteOf(r);
  const random = r.take(RANDOM_LENGTH);
  const ephLen = r.u16();
  if (ephLen !== ephemeralLength(suite)) throw handshakeFailed("bad ephemeral key length");
  const ephemeral = r.take(ephLen);
  r.end();
  return { suite, random, ephemeral };
}

export function recordHeader(type: RecordType, seq: bigint): Uint8Array {
  const header = new Uint8Array(RECORD_HEADER_LENGTH);
  header[0] = PROTOCOL_VERSION;
  header[1] = type;
  new DataView(header.buffer).setBigUint64(2, seq);
  return header;
}

export interface RawRecord {
  type: RecordType;
  seq: bigint;
  header: Uint8Array;
  body: Uint8Array;
}

/** Splits a record; any malformation is reported like a bad tag (the frame is not authentic). */
export function decodeRecord(bytes: Uint8Array): RawRecord {
  if (bytes.length < RECORD_HEADER_LENGTH + TAG_LENGTH) throw decryptFailed("record too short");
  if (bytes[0] !== PROTOCOL_VERSION) throw decryptFailed("bad record version");
  const type = bytes[1]!;
  if (type !== FRAME.FINISHED && type !== FRAME.DATA && type !== FRAME.KEY_UPDATE) {
    throw decryptFailed("bad record type");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    type,
    seq: view.getBigUint64(2),
    header: bytes.subarray(0, RECORD_HEADER_LENGTH),
    body: bytes.subarray(RECORD_HEADER_LENGTH),
  };
}
