/**
 * The handshake state machines (docs/PROTOCOL.md, "Handshake").
 *
 *   S -> C  ServerKey    { spki }                       (plaintext)
 *   C -> S  ClientHello  { suite, c_random, key_id, c_eph, enc = RSA-OAEP-SHA256(spki, k_rsa) }
 *   S -> C  ServerHello  { suite, s_random, s_eph }
 *   S -> C  FINISHED s2c seq 0 { HMAC(fin_s, th) }
 *   C -> S  FINISHED c2s seq 0 { HMAC(fin_c, th) }      then DATA frames, seq 1...
 *
 * th = SHA-256(ServerKey || ClientHello || ServerHello), the exact frame bytes.
 */
import { CLOSE } from "../close-codes.js";
import type { CryptoBackend, EphemeralKeyPair, ServerKey, Suite } from "./backend.js";
import { concat, timingSafeEqual } from "./bytes.js";
import { SecureChannel, DEFAULT_KEY_LIMITS, type KeyLimits } from "./channel.js";
import { SessionError, handshakeFailed } from "./errors.js";
import {
  FRAME,
  MAX_RSA_CIPHERTEXT,
  MIN_RSA_CIPHERTEXT,
  RANDOM_LENGTH,
  decodeClientHello,
  decodeServerHello,
  decodeServerKey,
  encodeClientHello,
  encodeServerHello,
  encodeServerKey,
} from "./frames.js";
import { deriveHandshakeSecrets, type HandshakeSecrets } from "./keys.js";

/** Length of the RSA-transported secret k_rsa. */
export const RSA_SECRET_LENGTH = 32;

/** Fixed randomness, so that test vectors are reproducible. Never set outside tests. */
export interface FixedEphemeral {
  pkcs8: Uint8Array;
  publicKey: Uint8Array;
}

async function ephemeralFor(
  backend: CryptoBackend,
  suite: Suite,
  fixed: FixedEphemeral | undefined,
): Promise<EphemeralKeyPair> {
  return fixed ? backend.importEphemeral(suite, fixed.pkcs8, fixed.publicKey) : backend.generateEphemeral(suite);
}

async function sharedSecret(
  backend: CryptoBackend,
  suite: Suite,
  own: EphemeralKeyPair,
  peer: Uint8Array,
): Promise<Uint8Array> {
  let secret: Uint8Array;
  try {
    secret = await backend.ecdh(suite, own, peer);
  } catch {
    throw handshakeFailed("invalid ephemeral public key");
  }
  // RFC 7748 section 6.1: an all-zero output means a low-order point.
  if (secret.every((b) => b === 0)) throw handshakeFailed("low-order ephemeral public key");
  return secret;
}

export interface ClientHandshakeOptions {
  backend: CryptoBackend;
  /** Checks the announced key against the pin; throws (e.g. a pin mismatch error) to abort. */
  verifyServerKey(spki: Uint8Array, keyId: Uint8Array): Promise<void> | void;
  /** Suites in order of preference; defaults to what the backend supports. */
  suites?: Suite[];
  limits?: KeyLimits;
  now?: () => number;
  fixed?: {
    random: Uint8Array;
    ephemeral: FixedEphemeral;
    rsaSecret: Uint8Array;
    encryptedSecret: Uint8Array;
  };
}

type ClientState =
  | { at: "server-key" }
  | {
      at: "server-hello";
      serverKey: Uint8Array;
      clientHello: Uint8Array;
      suite: Suite;
      eph: EphemeralKeyPair;
      rsaSecret: Uint8Array;
    }
  | { at: "server-finished"; secrets: HandshakeSecrets; th: Uint8Array; channel: SecureChannel }
  | { at: "done" };

export class ClientHandshake {
  private state: ClientState = { at: "server-key" };
  /** SHA-256 of the server's SPKI, known after the ServerKey frame. */
  keyId: Uint8Array | undefined;
  /** Exposed for test vectors. */
  secrets: HandshakeSecrets | undefined;

  constructor(private readonly opts: ClientHandshakeOptions) {}

  /** Handles ServerKey; returns the ClientHello frame to send. */
  async onServerKey(frame: Uint8Array): Promise<Uint8Array> {
    if (this.state.at !== "server-key") throw handshakeFailed("unexpected ServerKey");
    const { backend, fixed } = this.opts;
    const spki = decodeServerKey(frame);
    const keyId = await backend.sha256(spki);
    this.keyId = keyId;
    // Only a usable key reaches the pin policy, so trust on first use never pins one that cannot work.
    const rsaSecret = fixed?.rsaSecret ?? backend.randomBytes(RSA_SECRET_LENGTH);
    let encryptedSecret: Uint8Array;
    try {
      encryptedSecret = fixed?.encryptedSecret ?? (await backend.rsaOaepEncrypt(spki, rsaSecret));
    } catch {
      throw handshakeFailed("the server key is not a usable RSA key");
    }
    // The ciphertext is as long as the modulus: 2048 to 4096 bits, what a gateway accepts.
    if (encryptedSecret.length < MIN_RSA_CIPHERTEXT || encryptedSecret.length > MAX_RSA_CIPHERTEXT) {
      throw handshakeFailed("the server key must have 2048 to 4096 bits");
    }
    await this.opts.verifyServerKey(spki, keyId);

    const suites = this.opts.suites ?? (await backend.supportedSuites());
    const suite = suites[0];
    if (suite === undefined) throw handshakeFailed("no supported key agreement on this platform");
    const eph = await ephemeralFor(backend, suite, fixed?.ephemeral);
    const clientHello = encodeClientHello({
      suite,
      random: fixed?.random ?? backend.randomBytes(RANDOM_LENGTH),
      keyId,
      ephemeral: eph.publicKey,
      encryptedSecret,
    });
    this.state = { at: "server-hello", serverKey: frame, clientHello, suite, eph, rsaSecret };
    return clientHello;
  }

  async onServerHello(frame: Uint8Array): Promise<void> {
    const s = this.state;
    if (s.at !== "server-hello") throw handshakeFailed("unexpected ServerHello");
    const { backend } = this.opts;
    const hello = decodeServerHello(frame);
    if (hello.suite !== s.suite) throw handshakeFailed("the server chose a different suite");
    const ecdh = await sharedSecret(backend, s.suite, s.eph, hello.ephemeral);
    const th = await backend.sha256(concat(s.serverKey, s.clientHello, frame));
    const secrets = await deriveHandshakeSecrets(backend, s.rsaSecret, ecdh, th);
    this.secrets = secrets;
    const channel = await SecureChannel.create(
      backend,
      secrets.c2s,
      secrets.s2c,
      this.opts.limits ?? DEFAULT_KEY_LIMITS,
      this.opts.now,
    );
    this.state = { at: "server-finished", secrets, th, channel };
  }

  /** Verifies ServerFinished; returns the ClientFinished frame and the ready channel. */
  async onServerFinished(frame: Uint8Array): Promise<{ clientFinished: Uint8Array; channel: SecureChannel }> {
    const s = this.state;
    if (s.at !== "server-finished") throw handshakeFailed("unexpected Finished");
    const { backend } = this.opts;
    const opened = await s.channel.open(frame).catch((err: unknown) => {
      throw err instanceof SessionError ? handshakeFailed(`ServerFinished: ${err.message}`) : err;
    });
    if (opened.type !== FRAME.FINISHED) throw handshakeFailed("expected ServerFinished");
    const expected = await backend.hmacSha256(s.secrets.finishedServer, s.th);
    if (!timingSafeEqual(opened.plaintext, expected)) throw handshakeFailed("bad ServerFinished");
    const mac = await backend.hmacSha256(s.secrets.finishedClient, s.th);
    const [clientFinished] = await s.channel.seal(FRAME.FINISHED, mac);
    this.state = { at: "done" };
    return { clientFinished: clientFinished!, channel: s.channel };
  }
}

export interface ServerHandshakeOptions {
  backend: CryptoBackend;
  serverKey: ServerKey;
  limits?: KeyLimits;
  now?: () => number;
  fixed?: { random: Uint8Array; ephemeral: FixedEphemeral };
}

type ServerState =
  | { at: "client-hello" }
  | { at: "client-finished"; secrets: HandshakeSecrets; th: Uint8Array; channel: SecureChannel }
  | { at: "done" };

export class ServerHandshake {
  private state: ServerState = { at: "client-hello" };
  readonly serverKeyFrame: Uint8Array;
  secrets: HandshakeSecrets | undefined;

  constructor(private readonly opts: ServerHandshakeOptions) {
    this.serverKeyFrame = encodeServerKey(opts.serverKey.spki);
  }

  /** Handles ClientHello; returns ServerHello and the encrypted ServerFinished, to send in order. */
  async onClientHello(frame: Uint8Array): Promise<{ serverHello: Uint8Array; serverFinished: Uint8Array }> {
    if (this.state.at !== "client-hello") throw handshakeFailed("unexpected ClientHello");
    const { backend, serverKey, fixed } = this.opts;
    const hello = decodeClientHello(frame);
    if (!timingSafeEqual(hello.keyId, serverKey.keyId)) {
      throw handshakeFailed("ClientHello is for a different server key");
    }
    let rsaSecret: Uint8Array;
    try {
      rsaSecret = await serverKey.decrypt(hello.encryptedSecret);
    } catch {
      throw handshakeFailed("cannot decrypt the client's secret");
    }
    if (rsaSecret.length !== RSA_SECRET_LENGTH) throw handshakeFailed("bad secret length");
    const eph = await ephemeralFor(backend, hello.suite, fixed?.ephemeral);
    const ecdh = await sharedSecret(backend, hello.suite, eph, hello.ephemeral);
    const serverHello = encodeServerHello({
      suite: hello.suite,
      random: fixed?.random ?? backend.randomBytes(RANDOM_LENGTH),
      ephemeral: eph.publicKey,
    });
    const th = await backend.sha256(concat(this.serverKeyFrame, frame, serverHello));
    const secrets = await deriveHandshakeSecrets(backend, rsaSecret, ecdh, th);
    this.secrets = secrets;
    const channel = await SecureChannel.create(
      backend,
      secrets.s2c,
      secrets.c2s,
      this.opts.limits ?? DEFAULT_KEY_LIMITS,
      this.opts.now,
    );
    const mac = await backend.hmacSha256(secrets.finishedServer, th);
    const [serverFinished] = await channel.seal(FRAME.FINISHED, mac);
    this.state = { at: "client-finished", secrets, th, channel };
    return { serverHello, serverFinished: serverFinished! };
  }

  /** Verifies ClientFinished (key confirmation); returns the channel for DATA frames. */
  async onClientFinished(frame: Uint8Array): Promise<SecureChannel> {
    const s = this.state;
    if (s.at !== "client-finished") throw handshakeFailed("unexpected Finished");
    const opened = await s.channel.open(frame).catch((err: unknown) => {
      throw err instanceof SessionError
        ? new SessionError(CLOSE.HANDSHAKE_FAILED, `ClientFinished: ${err.message}`)
        : err;
    });
    if (opened.type !== FRAME.FINISHED) throw handshakeFailed("expected ClientFinished");
    const expected = await this.opts.backend.hmacSha256(s.secrets.finishedClient, s.th);
    if (!timingSafeEqual(opened.plaintext, expected)) throw handshakeFailed("bad ClientFinished");
    this.state = { at: "done" };
    return s.channel;
  }
}
