/**
 * The record-layer fuzz suite's model (channel.fuzz.test.ts): a real handshake on the node backend
 * with a controllable clock (`session`), the operations a run is made of (`Op`), and `Model`, which
 * mirrors each direction's sender independently of channel.ts and checks every delivery against
 * what the receiver must make of it.
 */
import { expect } from "vitest";
import { CLOSE } from "../../close-codes.js";
import type { ServerKey, Suite } from "../backend.js";
import { concat } from "../bytes.js";
import type { KeyLimits, Opened, SecureChannel } from "../channel.js";
import { SessionError } from "../errors.js";
import { FRAME, recordHeader } from "../frames.js";
import { ClientHandshake, ServerHandshake } from "../handshake.js";
import { nextTrafficSecret, nonceFor, trafficKeys } from "../keys.js";
import { nodeBackend } from "../node.js";

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** 0 = client -> server (c2s), 1 = server -> client (s2c). */
export type Dir = 0 | 1;

export interface Session {
  /** channels[d] seals direction d; channels[1 - d] opens it. */
  channels: [SecureChannel, SecureChannel];
  /** Traffic secret 0 of each direction, to forge authentic records as a key holder would. */
  secrets: [Uint8Array, Uint8Array];
  clock: { t: number };
}

export async function session(serverKey: ServerKey, suite: Suite, limits: KeyLimits): Promise<Session> {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  const server = new ServerHandshake({ backend: nodeBackend, serverKey, limits, now });
  const client = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {}, suites: [suite], limits, now });
  const hello = await client.onServerKey(server.serverKeyFrame);
  const { serverHello, serverFinished } = await server.onClientHello(hello);
  await client.onServerHello(serverHello);
  const { clientFinished, channel: cch } = await client.onServerFinished(serverFinished);
  const sch = await server.onClientFinished(clientFinished);
  return { channels: [cch, sch], secrets: [client.secrets!.c2s, client.secrets!.s2c], clock };
}

/** One step of a run: an operation on one direction, or the clock moving on. */
export type Op =
  | { op: "seal"; dir: Dir; plaintext: Uint8Array }
  | { op: "sealBurst"; dir: Dir; plaintexts: Uint8Array[] }
  | { op: "sealFinished"; dir: Dir; plaintext: Uint8Array }
  | { op: "sealKeyUpdate"; dir: Dir }
  | { op: "forge"; dir: Dir; kind: "keyUpdateWithData" | "unknownType"; data: Uint8Array }
  | { op: "deliver"; dir: Dir }
  | { op: "deliverBurst"; dir: Dir; count: number }
  | { op: "replay"; dir: Dir; back: number }
  | { op: "skip"; dir: Dir; ahead: number }
  | { op: "reorder"; dir: Dir }
  | { op: "flip"; dir: Dir; at: number; bit: number }
  | { op: "truncate"; dir: Dir; to: number }
  | { op: "extend"; dir: Dir; extra: Uint8Array }
  | { op: "reflect"; dir: Dir; index: number }
  | { op: "tick"; ms: number };

// ---------------------------------------------------------------------------------------------
// The model: what each direction's wire carries and what its receiver must make of it
// ---------------------------------------------------------------------------------------------

type Expected = { type: Opened["type"]; plaintext?: Uint8Array };

interface Sent {
  bytes: Uint8Array;
  expected: Expected;
}

/** What the sender of one direction holds, mirrored independently of channel.ts. */
interface SenderMirror {
  secret: Uint8Array;
  seq: bigint;
  frames: number;
  bytes: number;
  since: number;
  updates: number;
}

export class Model {
  readonly wire: [Sent[], Sent[]] = [[], []];
  readonly cursor: [number, number] = [0, 0];
  readonly failed: [boolean, boolean] = [false, false];
  readonly received: [number, number] = [0, 0];
  readonly mirror: [SenderMirror, SenderMirror];

  constructor(
    private readonly s: Session,
    private readonly limits: KeyLimits,
  ) {
    this.mirror = [0, 1].map((d) => ({
      secret: s.secrets[d]!,
      seq: 1n, // seq 0 of each direction was the Finished record
      frames: 1,
      bytes: 32,
      since: s.clock.t,
      updates: 0,
    })) as [SenderMirror, SenderMirror];
  }

  private async mirrorUpdate(m: SenderMirror): Promise<void> {
    m.secret = await nextTrafficSecret(nodeBackend, m.secret);
    m.seq = 0n;
    m.frames = 0;
    m.bytes = 0;
    m.since = this.s.clock.t;
    m.updates++;
  }

  /** Records what the sender emitted, checking that a KEY_UPDATE came exactly when a limit was due. */
  async sealed(dir: Dir, type: "data" | "finished" | "keyUpdate", plaintext: Uint8Array, frames: Uint8Array[]) {
    const m = this.mirror[dir];
    const due =
      type === "data" &&
      (m.frames >= this.limits.maxFrames ||
        m.bytes + plaintext.length > this.limits.maxBytes ||
        this.s.clock.t - m.since >= this.limits.maxAgeMs);
    expect(frames.length).toBe(due ? 2 : 1);
    for (const [i, bytes] of frames.entries()) {
      const isUpdate = due ? i === 0 : type === "keyUpdate";
      expect(bytes[1]).toBe(isUpdate ? FRAME.KEY_UPDATE : type === "finished" ? FRAME.FINISHED : FRAME.DATA);
      expect(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(2)).toBe(m.seq);
      this.wire[dir].push({
        bytes,
        expected: isUpdate
          ? { type: FRAME.KEY_UPDATE }
          : { type: type === "finished" ? FRAME.FINISHED : FRAME.DATA, plaintext },
      });
      m.seq++;
      m.frames++;
      m.bytes += isUpdate ? 0 : plaintext.length;
      if (isUpdate) await this.mirrorUpdate(m);
    }
  }

  /**
   * Injects an authentic record (right key, right seq: what a key holder could send) that breaks the
   * record rules. Only when the receiver has caught up with the sender, whose state the mirror holds.
   */
  async forge(dir: Dir, kind: "keyUpdateWithData" | "unknownType", data: Uint8Array): Promise<void> {
    if (this.cursor[dir] !== this.wire[dir].length) return;
    const m = this.mirror[dir];
    const { key, iv } = await trafficKeys(nodeBackend, m.secret);
    const aead = await nodeBackend.aead(key);
    const header = recordHeader(FRAME.KEY_UPDATE, m.seq);
    if (kind === "unknownType") header[1] = 0x13;
    const bytes = concat(header, await aead.seal(nonceFor(iv, m.seq), header, data));
    // Not on the wire: the real sender never sent it, and its next record takes this seq.
    await this.attempt(dir, bytes);
  }

  /** Feeds `bytes` to the receiver of `dir` and checks the outcome against the model. */
  async attempt(dir: Dir, bytes: Uint8Array): Promise<void> {
    const receiver = this.s.channels[1 - dir]!;
    const next = this.wire[dir][this.cursor[dir]];
    const legit = !this.failed[dir] && next !== undefined && equalBytes(bytes, next.bytes);
    const outcome = await receiver.open(bytes).then(
      (opened) => ({ opened }),
      (error: unknown) => ({ error }),
    );
    if (legit) {
      if ("error" in outcome) throw new Error(`an in-order untampered frame was refused: ${String(outcome.error)}`);
      const { opened } = outcome;
      expect(opened.type).toBe(next.expected.type);
      if (opened.type !== FRAME.KEY_UPDATE) expect(equalBytes(opened.plaintext, next.expected.plaintext!)).toBe(true);
      else this.received[dir]++;
      expect(receiver.keyUpdates.received).toBe(this.received[dir]);
      this.cursor[dir]++;
      return;
    }
    if (!("error" in outcome)) throw new Error("a tampered, replayed, reordered or reflected frame was accepted");
    if (!(outcome.error instanceof SessionError))
      throw new Error(`expected a SessionError, got ${String(outcome.error)}`);
    expect(outcome.error.closeCode).toBe(CLOSE.DECRYPT_FAILED);
    this.failed[dir] = true;
  }

  nextBytes(dir: Dir): Uint8Array | undefined {
    return this.wire[dir][this.cursor[dir]]?.bytes;
  }

  async run(op: Op): Promise<void> {
    if (op.op === "tick") {
      this.s.clock.t += op.ms;
      return;
    }
    await this.step(op);
    for (const dir of [0, 1] as const) expect(this.s.channels[dir].keyUpdates.sent).toBe(this.mirror[dir].updates);
  }

  private async step(op: Exclude<Op, { op: "tick" }>): Promise<void> {
    const { dir } = op;
    const sender = this.s.channels[dir];
    switch (op.op) {
      case "seal":
        return this.sealed(dir, "data", op.plaintext, await sender.seal(FRAME.DATA, op.plaintext));
      case "sealBurst": {
        // Fire and forget: the channel serializes sealing, so the frames come out in call order.
        const all = await Promise.all(op.plaintexts.map((p) => sender.seal(FRAME.DATA, p)));
        for (const [i, frames] of all.entries()) await this.sealed(dir, "data", op.plaintexts[i]!, frames);
        return;
      }
      case "sealFinished":
        return this.sealed(dir, "finished", op.plaintext, await sender.seal(FRAME.FINISHED, op.plaintext));
      case "sealKeyUpdate":
        return this.sealed(dir, "keyUpdate", new Uint8Array(0), await sender.seal(FRAME.KEY_UPDATE, new Uint8Array(0)));
      case "forge":
        return this.forge(dir, op.kind, op.data);
      case "deliver": {
        const bytes = this.nextBytes(dir);
        if (bytes) await this.attempt(dir, bytes);
        return;
      }
      case "deliverBurst": {
        // Opening is serialized too: frames handed over without waiting are opened in order.
        const receiver = this.s.channels[1 - dir]!;
        const start = this.cursor[dir];
        const batch = this.wire[dir].slice(start, start + op.count);
        if (this.failed[dir]) return;
        const opened = await Promise.all(batch.map((s) => receiver.open(s.bytes)));
        for (const [i, o] of opened.entries()) {
          const exp = batch[i]!.expected;
          expect(o.type).toBe(exp.type);
          if (o.type === FRAME.KEY_UPDATE) this.received[dir]++;
          else expect(equalBytes(o.plaintext, exp.plaintext!)).toBe(true);
        }
        this.cursor[dir] += batch.length;
        expect(receiver.keyUpdates.received).toBe(this.received[dir]);
        return;
      }
      case "replay": {
        const c = this.cursor[dir];
        if (c > 0) await this.attempt(dir, this.wire[dir][c - 1 - (op.back % c)]!.bytes);
        return;
      }
      case "skip": {
        const later = this.wire[dir].length - this.cursor[dir] - 1;
        if (later > 0) await this.attempt(dir, this.wire[dir][this.cursor[dir] + 1 + (op.ahead % later)]!.bytes);
        return;
      }
      case "reorder": {
        const c = this.cursor[dir];
        const [a, b] = [this.wire[dir][c], this.wire[dir][c + 1]];
        if (a && b) {
          await this.attempt(dir, b.bytes);
          await this.attempt(dir, a.bytes);
        }
        return;
      }
      case "flip": {
        const bytes = this.nextBytes(dir)?.slice();
        if (!bytes) return;
        bytes[op.at % bytes.length]! ^= 1 << op.bit;
        return this.attempt(dir, bytes);
      }
      case "truncate": {
        const bytes = this.nextBytes(dir);
        if (bytes) await this.attempt(dir, bytes.slice(0, op.to % bytes.length));
        return;
      }
      case "extend": {
        const bytes = this.nextBytes(dir);
        if (bytes) await this.attempt(dir, concat(bytes, op.extra));
        return;
      }
      case "reflect": {
        // A frame of this direction, fed to its own sender (the receiver of the other direction).
        const frames = this.wire[dir];
        if (frames.length > 0) await this.attempt((1 - dir) as Dir, frames[op.index % frames.length]!.bytes);
        return;
      }
    }
  }

  /** Whatever is left in an unfailed direction still opens, in order. */
  async drain(): Promise<void> {
    for (const dir of [0, 1] as const) {
      while (!this.failed[dir] && this.cursor[dir] < this.wire[dir].length) {
        await this.attempt(dir, this.nextBytes(dir)!);
      }
    }
  }

  /** A failed receiver refuses everything afterwards, including the frame it was waiting for. */
  async expectFailedStaysFailed(): Promise<void> {
    for (const dir of [0, 1] as const) {
      if (!this.failed[dir]) continue;
      const receiver = this.s.channels[1 - dir]!;
      const [fresh] = await this.s.channels[dir].seal(FRAME.DATA, new Uint8Array([1, 2, 3]));
      for (const bytes of [this.nextBytes(dir), fresh].filter((b): b is Uint8Array => b !== undefined)) {
        await expect(receiver.open(bytes)).rejects.toMatchObject({ closeCode: CLOSE.DECRYPT_FAILED });
      }
    }
  }
}
