/**
 * The handshake fuzz suite's exchange (handshake.fuzz.test.ts): one client/server pair on the node
 * backend whose five handler calls a test drives frame by frame (`Exchange`, `HANDLERS`), a complete
 * honest exchange for replay into other sessions, and the checks every case ends with: a failure is
 * HANDSHAKE_FAILED (or the pin check), and no side completes with keys its peer does not share.
 */
import { expect } from "vitest";
import { CLOSE } from "../../close-codes.js";
import type { ServerKey, Suite } from "../backend.js";
import { utf8 } from "../bytes.js";
import type { SecureChannel } from "../channel.js";
import { SessionError } from "../errors.js";
import { FRAME } from "../frames.js";
import { ClientHandshake, ServerHandshake } from "../handshake.js";
import { nodeBackend } from "../node.js";

export class PinMismatch extends Error {}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export const SLOTS = ["serverKey", "clientHello", "serverHello", "serverFinished", "clientFinished"] as const;
export type Slot = (typeof SLOTS)[number];
export type Frames = Partial<Record<Slot, Uint8Array>>;

/** The five handlers, in the order an honest exchange calls them; each consumes one slot. */
export const HANDLERS = [
  { side: "client", name: "onServerKey", slot: "serverKey" },
  { side: "server", name: "onClientHello", slot: "clientHello" },
  { side: "client", name: "onServerHello", slot: "serverHello" },
  { side: "client", name: "onServerFinished", slot: "serverFinished" },
  { side: "server", name: "onClientFinished", slot: "clientFinished" },
] as const;

/** One client/server pair and the frames each has produced so far. */
export class Exchange {
  readonly client: ClientHandshake;
  readonly server: ServerHandshake;
  readonly frames: Frames = {};
  /** Handlers completed per side, as an index into that side's own sequence. */
  clientStep = 0;
  serverStep = 0;
  clientChannel: SecureChannel | undefined;
  serverChannel: SecureChannel | undefined;

  constructor(serverKey: ServerKey, suite: Suite, pinned: boolean) {
    this.server = new ServerHandshake({ backend: nodeBackend, serverKey });
    this.client = new ClientHandshake({
      backend: nodeBackend,
      suites: [suite],
      verifyServerKey: (_spki, keyId) => {
        if (pinned && !equalBytes(keyId, serverKey.keyId)) throw new PinMismatch("the server key has changed");
      },
    });
    this.frames.serverKey = this.server.serverKeyFrame;
  }

  /** The step index this handler is legal at, on its own side. */
  static legalStep(handler: number): number {
    return [0, 0, 1, 2, 1][handler]!;
  }

  async deliver(handler: number, frame: Uint8Array): Promise<void> {
    const h = HANDLERS[handler]!;
    switch (h.name) {
      case "onServerKey":
        this.frames.clientHello = await this.client.onServerKey(frame);
        break;
      case "onClientHello": {
        const out = await this.server.onClientHello(frame);
        this.frames.serverHello = out.serverHello;
        this.frames.serverFinished = out.serverFinished;
        break;
      }
      case "onServerHello":
        await this.client.onServerHello(frame);
        break;
      case "onServerFinished": {
        const out = await this.client.onServerFinished(frame);
        this.frames.clientFinished = out.clientFinished;
        this.clientChannel = out.channel;
        break;
      }
      case "onClientFinished":
        this.serverChannel = await this.server.onClientFinished(frame);
        break;
    }
    if (h.side === "client") this.clientStep++;
    else this.serverStep++;
  }

  stepOf(handler: number): number {
    return HANDLERS[handler]!.side === "client" ? this.clientStep : this.serverStep;
  }
}

/** A complete honest exchange, for its frames (replayed into other sessions). */
export async function honest(serverKey: ServerKey, suite: Suite): Promise<Required<Frames>> {
  const x = new Exchange(serverKey, suite, true);
  for (let h = 0; h < HANDLERS.length; h++) await x.deliver(h, x.frames[HANDLERS[h]!.slot]!);
  return x.frames as Required<Frames>;
}

/** Both channels carry data both ways, to the exact byte. */
async function expectInteroperable(a: SecureChannel, b: SecureChannel): Promise<void> {
  for (const [from, to, text] of [
    [a, b, "client to server"],
    [b, a, "server to client"],
  ] as const) {
    const [frame] = await from.seal(FRAME.DATA, utf8(text));
    const opened = await to.open(frame!);
    expect(opened.type).toBe(FRAME.DATA);
    expect(opened.type === FRAME.DATA && new TextDecoder().decode(opened.plaintext)).toBe(text);
  }
}

export function expectHandshakeFailure(err: unknown, allowPin: boolean): void {
  if (allowPin && err instanceof PinMismatch) return;
  if (!(err instanceof SessionError)) throw new Error(`expected a SessionError, got ${String(err)}`);
  expect(err.closeCode).toBe(CLOSE.HANDSHAKE_FAILED);
}

/**
 * Key confirmation, from each side's point of view: a side that completed shares its keys with the
 * peer it talked to, and the server completes only after the client did.
 */
export async function expectNoSilentDisagreement(x: Exchange): Promise<void> {
  if (x.clientChannel) {
    expect(x.server.secrets).toBeDefined();
    expect(equalBytes(x.client.secrets!.master, x.server.secrets!.master)).toBe(true);
  }
  if (x.serverChannel) {
    expect(x.clientChannel).toBeDefined();
    expect(equalBytes(x.server.secrets!.master, x.client.secrets!.master)).toBe(true);
  }
  if (x.clientChannel && x.serverChannel) await expectInteroperable(x.clientChannel, x.serverChannel);
}
