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
 *
 * Resumption (psk_dhe_ke): ResumeHello { suite, c_random, key_id, c_eph, ticket, binder } takes
 * ClientHello's place; the gateway answers ServerHello (keys from the ticket's resumption secret and
 * a fresh ECDH) or ResumeRefused, after which the client sends a full ClientHello.
 */
import { CLOSE } from "../close-codes.js";
import type { CryptoBackend, EphemeralKeyPair, ServerKey, Suite } from "./backend.js";
import { concat, timingSafeEqual } from "./bytes.js";
import { SecureChannel, DEFAULT_KEY_LIMITS, type KeyLimits } from "./channel.js";
import { SessionError, handshakeFailed } from "./errors.js";
import {
  BINDER_LENGTH,
  FRAME,
  MAX_RSA_CIPHERTEXT,
  MIN_RSA_CIPHERTEXT,
  RANDOM_LENGTH,
  decodeClientHello,
  decodeResumeHello,
  decodeResumeRefused,
  decodeServerHello,
  decodeServerKey,
  encodeClientHello,
  encodeResumeHelloPrefix,
  encodeResumeRefused,
  encodeServerHello,
  encodeServerKey,
} from "./frames.js";
import { deriveHandshakeSecrets, resumptionBinder, type HandshakeSecrets } from "./keys.js";
import type { TicketAuthority, TransportTicket } from "./ticket.js";

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

/** A ticket the client may offer, with the resumption secret it stands for (kept by the client only). */
export interface ResumptionOffer {
  ticket: Uint8Array;
  resumption: Uint8Array;
  suite: Suite;
}

export interface ClientHandshakeOptions {
  backend: CryptoBackend;
  /** Checks the announced key against the pin; throws (e.g. a pin mismatch error) to abort. */
  verifyServerKey(spki: Uint8Array, keyId: Uint8Array): Promise<void> | void;
  /** Suites in order of preference; defaults to what the backend supports. */
  suites?: Suite[];
  limits?: KeyLimits;
  now?: () => number;
  /** The ticket to offer for the announced key (after the pin check), if the client holds one. */
  resumption?: (keyId: Uint8Array) => ResumptionOffer | undefined;
  fixed?: {
    random: Uint8Array;
    ephemeral: FixedEphemeral;
    rsaSecret?: Uint8Array;
    encryptedSecret?: Uint8Array;
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
      /** k_rsa for a full handshake; the offered resumption secret for a resumption. */
      psk: Uint8Array;
      resuming: boolean;
      spki: Uint8Array;
    }
  | { at: "server-finished"; secrets: HandshakeSecrets; th: Uint8Array; channel: SecureChannel }
  | { at: "done" };

export class ClientHandshake {
  private state: ClientState = { at: "server-key" };
  /** SHA-256 of the server's SPKI, known after the ServerKey frame. */
  keyId: Uint8Array | undefined;
  /** Exposed for test vectors. */
  secrets: HandshakeSecrets | undefined;
  /** Whether this handshake resumed a session (known after ServerHello). */
  resumed: boolean | undefined;
  /** The suite of the handshake, once known. */
  suite: Suite | undefined;

  constructor(private readonly opts: ClientHandshakeOptions) {}

  /** Handles ServerKey; returns the ClientHello (or ResumeHello, with a ticket) frame to send. */
  async onServerKey(frame: Uint8Array): Promise<Uint8Array> {
    if (this.state.at !== "server-key") throw handshakeFailed("unexpected ServerKey");
    const { backend, fixed } = this.opts;
    const spki = decodeServerKey(frame);
    const keyId = await backend.sha256(spki);
    this.keyId = keyId;
    const suites = this.opts.suites ?? (await backend.supportedSuites());
    const offer = this.opts.resumption?.(keyId);
    if (offer && suites.includes(offer.suite)) {
      // The ticket came from a server that proved this pinned key; the pin is checked all the same.
      await this.opts.verifyServerKey(spki, keyId);
      const eph = await ephemeralFor(backend, offer.suite, fixed?.ephemeral);
      const prefix = encodeResumeHelloPrefix({
        suite: offer.suite,
        random: fixed?.random ?? backend.randomBytes(RANDOM_LENGTH),
        keyId,
        ephemeral: eph.publicKey,
        ticket: offer.ticket,
      });
      const binder = await resumptionBinder(backend, offer.resumption, frame, prefix);
      const hello = concat(prefix, binder);
      this.state = {
        at: "server-hello",
        serverKey: frame,
        clientHello: hello,
        suite: offer.suite,
        eph,
        psk: offer.resumption,
        resuming: true,
        spki,
      };
      return hello;
    }
    const rsaSecret = await this.rsaSecretFor(spki);
    await this.opts.verifyServerKey(spki, keyId);
    return this.fullHello(frame, spki, suites[0], rsaSecret);
  }

  /** Only a usable key reaches the pin policy, so trust on first use never pins one that cannot work. */
  private async rsaSecretFor(spki: Uint8Array): Promise<{ secret: Uint8Array; encrypted: Uint8Array }> {
    const { backend, fixed } = this.opts;
    const secret = fixed?.rsaSecret ?? backend.randomBytes(RSA_SECRET_LENGTH);
    let encrypted: Uint8Array;
    try {
      encrypted = fixed?.encryptedSecret ?? (await backend.rsaOaepEncrypt(spki, secret));
    } catch {
      throw handshakeFailed("the server key is not a usable RSA key");
    }
    // The ciphertext is as long as the modulus: 2048 to 4096 bits, what a gateway accepts.
    if (encrypted.length < MIN_RSA_CIPHERTEXT || encrypted.length > MAX_RSA_CIPHERTEXT) {
      throw handshakeFailed("the server key must have 2048 to 4096 bits");
    }
    return { secret, encrypted };
  }

  private async fullHello(
    serverKey: Uint8Array,
    spki: Uint8Array,
    suite: Suite | undefined,
    rsa: { secret: Uint8Array; encrypted: Uint8Array },
  ): Promise<Uint8Array> {
    const { backend, fixed } = this.opts;
    if (suite === undefined) throw handshakeFailed("no supported key agreement on this platform");
    const eph = await ephemeralFor(backend, suite, fixed?.ephemeral);
    const clientHello = encodeClientHello({
      suite,
      random: fixed?.random ?? backend.randomBytes(RANDOM_LENGTH),
      keyId: this.keyId!,
      ephemeral: eph.publicKey,
      encryptedSecret: rsa.encrypted,
    });
    this.state = { at: "server-hello", serverKey, clientHello, suite, eph, psk: rsa.secret, resuming: false, spki };
    return clientHello;
  }

  /**
   * Handles ServerHello, or ResumeRefused after a ResumeHello: then returns the full ClientHello to
   * send on the same connection (and expects a ServerHello next).
   */
  async onServerHello(frame: Uint8Array): Promise<Uint8Array | undefined> {
    const s = this.state;
    if (s.at !== "server-hello") throw handshakeFailed("unexpected ServerHello");
    if (s.resuming && frame[1] === FRAME.RESUME_REFUSED) {
      decodeResumeRefused(frame);
      const suites = this.opts.suites ?? (await this.opts.backend.supportedSuites());
      return this.fullHello(s.serverKey, s.spki, suites[0], await this.rsaSecretFor(s.spki));
    }
    await this.onTrueServerHello(frame);
    return undefined;
  }

  private async onTrueServerHello(frame: Uint8Array): Promise<void> {
    const s = this.state;
    if (s.at !== "server-hello") throw handshakeFailed("unexpected ServerHello");
    const { backend } = this.opts;
    const hello = decodeServerHello(frame);
    if (hello.suite !== s.suite) throw handshakeFailed("the server chose a different suite");
    const ecdh = await sharedSecret(backend, s.suite, s.eph, hello.ephemeral);
    const th = await backend.sha256(concat(s.serverKey, s.clientHello, frame));
    const secrets = await deriveHandshakeSecrets(backend, s.psk, ecdh, th, s.resuming ? "resumed master" : "master");
    this.secrets = secrets;
    this.resumed = s.resuming;
    this.suite = s.suite;
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
  /** Issues and opens resumption tickets; without it a ResumeHello fails the handshake. */
  tickets?: TicketAuthority;
  limits?: KeyLimits;
  now?: () => number;
  fixed?: { random: Uint8Array; ephemeral: FixedEphemeral };
}

type ServerState =
  | { at: "client-hello"; refused: boolean }
  | { at: "client-finished"; secrets: HandshakeSecrets; th: Uint8Array; channel: SecureChannel }
  | { at: "done" };

type ServerFlight = { serverHello: Uint8Array; serverFinished: Uint8Array };

export class ServerHandshake {
  private state: ServerState = { at: "client-hello", refused: false };
  readonly serverKeyFrame: Uint8Array;
  secrets: HandshakeSecrets | undefined;
  /** Whether this handshake resumed a session (known after the hello was accepted). */
  resumed = false;
  private suite: Suite | undefined;

  constructor(private readonly opts: ServerHandshakeOptions) {
    this.serverKeyFrame = encodeServerKey(opts.serverKey.spki);
  }

  /**
   * Handles ClientHello or ResumeHello. A ResumeHello whose ticket cannot be used (not issued by this
   * key, another period, expired, unknown format, wrong suite, bad binder) gets `{ refused }`, one
   * indistinct ResumeRefused frame to send; a full ClientHello must follow. Malformed is HANDSHAKE_FAILED.
   */
  async onHello(frame: Uint8Array): Promise<ServerFlight | { refused: Uint8Array }> {
    if (frame[1] !== FRAME.RESUME_HELLO) return this.onClientHello(frame);
    const s = this.state;
    if (s.at !== "client-hello" || s.refused || !this.opts.tickets) throw handshakeFailed("unexpected ResumeHello");
    const { backend, serverKey, tickets } = this.opts;
    const hello = decodeResumeHello(frame);
    if (!timingSafeEqual(hello.keyId, serverKey.keyId)) {
      throw handshakeFailed("ResumeHello is for a different server key");
    }
    const ticket = await tickets.open(hello.ticket);
    // The binder is computed whether or not the ticket opened, so every refusal costs about the same.
    const expected = await resumptionBinder(
      backend,
      ticket?.resumption ?? new Uint8Array(32),
      this.serverKeyFrame,
      frame.subarray(0, frame.length - BINDER_LENGTH),
    );
    const binderOk = timingSafeEqual(hello.binder, expected) && ticket?.suite === hello.suite;
    if (!ticket || !binderOk) {
      this.state = { at: "client-hello", refused: true };
      return { refused: encodeResumeRefused() };
    }
    this.resumed = true;
    return this.respond(frame, hello.suite, hello.ephemeral, ticket.resumption, "resumed master");
  }

  /** Handles ClientHello; returns ServerHello and the encrypted ServerFinished, to send in order. */
  async onClientHello(frame: Uint8Array): Promise<ServerFlight> {
    if (this.state.at !== "client-hello") throw handshakeFailed("unexpected ClientHello");
    const { serverKey } = this.opts;
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
    return this.respond(frame, hello.suite, hello.ephemeral, rsaSecret, "master");
  }

  private async respond(
    hello: Uint8Array,
    suite: Suite,
    peer: Uint8Array,
    psk: Uint8Array,
    label: "master" | "resumed master",
  ): Promise<ServerFlight> {
    const { backend, fixed } = this.opts;
    const eph = await ephemeralFor(backend, suite, fixed?.ephemeral);
    const ecdh = await sharedSecret(backend, suite, eph, peer);
    const serverHello = encodeServerHello({
      suite,
      random: fixed?.random ?? backend.randomBytes(RANDOM_LENGTH),
      ephemeral: eph.publicKey,
    });
    const th = await backend.sha256(concat(this.serverKeyFrame, hello, serverHello));
    const secrets = await deriveHandshakeSecrets(backend, psk, ecdh, th, label);
    this.secrets = secrets;
    this.suite = suite;
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

  /** A ticket for this session, once ClientFinished verified; undefined without a ticket authority. */
  async issueTicket(): Promise<TransportTicket | undefined> {
    if (this.state.at !== "done") throw new Error("the handshake has not completed");
    if (!this.opts.tickets) return undefined;
    return this.opts.tickets.issue(this.suite!, this.secrets!.resumption);
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
