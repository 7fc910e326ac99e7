/**
 * SecureChannel.sealDataNow, the synchronous DATA seal the gateway uses for its many small records:
 * byte for byte the record seal() makes, never ahead of a pending seal(), never past a key limit,
 * and not offered by the WebCrypto backend.
 */
import { describe, expect, test } from "vitest";
import { SecureChannel, type KeyLimits } from "./channel.js";
import { FRAME } from "./frames.js";
import { nodeBackend } from "./node.js";
import { webBackend } from "./web.js";

const A = new Uint8Array(32).fill(1);
const B = new Uint8Array(32).fill(2);
const text = (s: string) => new TextEncoder().encode(s);
const read = (u: Uint8Array) => new TextDecoder().decode(u);

async function pair(limits?: KeyLimits) {
  return {
    sender: await SecureChannel.create(nodeBackend, A, B, limits),
    receiver: await SecureChannel.create(nodeBackend, B, A, limits),
  };
}

async function openAll(receiver: SecureChannel, frames: Uint8Array[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of frames) {
    const o = await receiver.open(f);
    if (o.type === FRAME.DATA) out.push(read(o.plaintext));
  }
  return out;
}

describe("sealDataNow", () => {
  test("makes the same records as seal()", async () => {
    const viaSeal = (await pair()).sender;
    const viaNow = (await pair()).sender;
    for (const s of ["", "a", "x".repeat(5000)]) {
      const [expected] = await viaSeal.seal(FRAME.DATA, text(s));
      expect(viaNow.sealDataNow(text(s))).toEqual(expected);
    }
  });

  test("does not overtake a pending seal(), and works again once it settled", async () => {
    const { sender, receiver } = await pair();
    const frames: Uint8Array[] = [sender.sealDataNow(text("1"))!];
    const pending = sender.seal(FRAME.DATA, text("2"));
    expect(sender.sealDataNow(text("3"))).toBeUndefined();
    frames.push(...(await pending));
    const now = sender.sealDataNow(text("3"));
    expect(now).toBeDefined();
    frames.push(now!);
    expect(await openAll(receiver, frames)).toEqual(["1", "2", "3"]);
  });

  test("leaves a due key update to seal(), then continues under the new key", async () => {
    const limits: KeyLimits = { maxFrames: 2, maxBytes: 2 ** 34, maxAgeMs: 3_600_000 };
    const { sender, receiver } = await pair(limits);
    const frames = [sender.sealDataNow(text("1"))!, sender.sealDataNow(text("2"))!];
    expect(sender.sealDataNow(text("3"))).toBeUndefined();
    const updated = await sender.seal(FRAME.DATA, text("3"));
    expect(updated).toHaveLength(2); // KEY_UPDATE, then the record
    expect(sender.keyUpdates.sent).toBe(1);
    frames.push(...updated, sender.sealDataNow(text("4"))!);
    expect(await openAll(receiver, frames)).toEqual(["1", "2", "3", "4"]);
    expect(receiver.keyUpdates.received).toBe(1);
  });

  test("is not offered where encryption is asynchronous (WebCrypto)", async () => {
    const web = await SecureChannel.create(webBackend, A, B);
    expect(web.sealDataNow(text("x"))).toBeUndefined();
    expect(await web.seal(FRAME.DATA, text("x"))).toHaveLength(1);
  });
});
