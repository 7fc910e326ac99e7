/**
 * A deliberately low-level client for protocol tests: it speaks the handshake step by step and lets
 * a test tamper with any frame. Real clients use @sealroom/sdk.
 */
import WebSocket from "ws";
import {
  ClientHandshake,
  FRAME,
  TRANSPORT_TICKET_EVENT,
  ticketBytes,
  transportTicketSchema,
  utf8,
  type ResumptionOffer,
  type SecureChannel,
} from "@sealroom/proto/session";
import { nodeBackend } from "@sealroom/proto/session/node";

export class RawClient {
  readonly ws: WebSocket;
  private readonly queue: Uint8Array[] = [];
  private waiters: { resolve(f: Uint8Array): void; reject(e: Error): void }[] = [];
  private isClosed = false;
  readonly closed: Promise<{ code: number; reason: string }>;
  channel: SecureChannel | undefined;
  /** After the handshake: whether it resumed, and whether the gateway refused an offered ticket first. */
  resumed = false;
  refused = false;
  /** What this connection can be resumed with, once the gateway's ticket has been received. */
  offer: ResumptionOffer | undefined;
  private resumption: { secret: Uint8Array; suite: ResumptionOffer["suite"] } | undefined;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers, perMessageDeflate: false });
    this.ws.binaryType = "nodebuffer";
    this.ws.on("message", (data: Buffer) => {
      const f = new Uint8Array(data);
      const w = this.waiters.shift();
      if (w) w.resolve(f);
      else this.queue.push(f);
    });
    this.closed = new Promise((resolve) =>
      this.ws.on("close", (code, reason) => {
        this.isClosed = true;
        for (const w of this.waiters.splice(0)) w.reject(new Error(`closed with ${code}`));
        resolve({ code, reason: reason.toString() });
      }),
    );
    this.ws.on("error", () => undefined);
  }

  /**
   * A client opened and past the handshake, what most tests start from. With `offer` it tries to
   * resume first (see `handshake`). Tests that look between the steps call them one by one.
   */
  static async connect(url: string, opts: { offer?: ResumptionOffer | undefined } = {}): Promise<RawClient> {
    const c = new RawClient(url);
    await c.opened();
    await c.handshake(undefined, opts.offer);
    return c;
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once("open", () => resolve());
      this.ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once("error", reject);
    });
  }

  next(timeoutMs = 5000): Promise<Uint8Array> {
    const f = this.queue.shift();
    if (f) return Promise.resolve(f);
    if (this.isClosed) return Promise.reject(new Error("closed"));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no frame")), timeoutMs);
      this.waiters.push({
        resolve: (frame) => {
          clearTimeout(t);
          resolve(frame);
        },
        reject: (err) => {
          clearTimeout(t);
          reject(err);
        },
      });
    });
  }

  send(frame: Uint8Array | string): void {
    this.ws.send(frame);
  }

  /**
   * Runs the whole handshake; `tamper` may rewrite the ClientHello (or ResumeHello) before it is
   * sent. With `offer`, it tries to resume and falls back to a full handshake when refused.
   */
  async handshake(
    tamper: (hello: Uint8Array) => Uint8Array = (h) => h,
    offer?: ResumptionOffer,
  ): Promise<SecureChannel> {
    const hs = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {}, resumption: () => offer });
    this.send(tamper(await hs.onServerKey(await this.next())));
    const fallback = await hs.onServerHello(await this.next());
    if (fallback) {
      this.refused = true;
      this.send(fallback);
      await hs.onServerHello(await this.next());
    }
    const { clientFinished, channel } = await hs.onServerFinished(await this.next());
    this.send(clientFinished);
    this.channel = channel;
    this.resumed = hs.resumed === true;
    this.resumption = { secret: hs.secrets!.resumption, suite: hs.suite! };
    return channel;
  }

  /** Encrypts one DATA frame (returned, not sent, so tests can replay or reorder it). */
  async seal(message: unknown): Promise<Uint8Array> {
    const [frame] = await this.channel!.seal(
      FRAME.DATA,
      utf8(typeof message === "string" ? message : JSON.stringify(message)),
    );
    return frame!;
  }

  async command(id: number, type: string, body: unknown): Promise<void> {
    this.send(await this.seal({ t: "cmd", id, type, body }));
  }

  /** Reads and decrypts the next server message. */
  async receive(): Promise<{
    t: string;
    id?: number;
    ok?: boolean;
    error?: { code: string };
    value?: unknown;
    type?: string;
  }> {
    for (;;) {
      const opened = await this.channel!.open(await this.next());
      if (opened.type !== FRAME.DATA) throw new Error(`unexpected record ${opened.type}`);
      const msg = JSON.parse(new TextDecoder().decode(opened.plaintext)) as {
        t: string;
        type?: string;
        body?: unknown;
      };
      // The resumption ticket after the handshake is transport business, not a message under test.
      if (msg.t !== "event" || msg.type !== TRANSPORT_TICKET_EVENT) return msg as never;
      const ticket = transportTicketSchema.parse(msg.body);
      // A test that ran the handshake itself has no resumption secret here: the ticket is of no use.
      if (this.resumption) {
        this.offer = { ticket: ticketBytes(ticket), resumption: this.resumption.secret, suite: this.resumption.suite };
      }
    }
  }
}
