import type { WebSocket } from "ws";
import { describe, expect, it } from "vitest";
import { CLOSE } from "@sealroom/proto/close-codes";
import type { SecureChannel } from "@sealroom/proto/session";
import { MAX_SERVER_MESSAGE_BYTES } from "@sealroom/proto/wire";
import type { Logger } from "@sealroom/runtime";
import { DROP_EVENTS_ABOVE, Outbound, SLOW_CONSUMER_LIMIT, replyBytes, serializeMessage } from "./outbound.js";

const errors: string[] = [];
const log = { error: (_obj: unknown, msg: string) => errors.push(msg) } as unknown as Logger;
const decode = (b: Uint8Array | undefined) => (b ? JSON.parse(new TextDecoder().decode(b)) : b);

describe("serializeMessage", () => {
  it("answers an oversized reply with PAYLOAD_TOO_LARGE and drops an oversized event", () => {
    const huge = "x".repeat(MAX_SERVER_MESSAGE_BYTES);
    expect(decode(serializeMessage({ t: "reply", id: 7, ok: true, value: 1 }, log))).toEqual({
      t: "reply",
      id: 7,
      ok: true,
      value: 1,
    });
    expect(decode(serializeMessage({ t: "reply", id: 7, ok: true, value: huge }, log))).toMatchObject({
      t: "reply",
      id: 7,
      ok: false,
      error: { code: "PAYLOAD_TOO_LARGE" },
    });
    expect(serializeMessage({ t: "event", type: "chat.message", body: huge }, log)).toBeUndefined();
  });
});

describe("replyBytes", () => {
  const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

  it("splices the service's JSON after the reply's t and id, byte for byte", () => {
    const json = new TextEncoder().encode('{"ok":true, "value":{"b":[1,2],"a":"é"}}');
    expect(text(replyBytes(7, { ok: true, value: {}, json }, log))).toBe(
      '{"t":"reply","id":7,"ok":true, "value":{"b":[1,2],"a":"é"}}',
    );
  });

  it("serializes a reply without the service's JSON, and one over the bound becomes PAYLOAD_TOO_LARGE", () => {
    expect(decode(replyBytes(3, { ok: true, value: 1 }, log))).toEqual({ t: "reply", id: 3, ok: true, value: 1 });
    const value = "x".repeat(MAX_SERVER_MESSAGE_BYTES);
    const json = new TextEncoder().encode(JSON.stringify({ ok: true, value }));
    expect(decode(replyBytes(3, { ok: true, value, json }, log))).toMatchObject({
      t: "reply",
      id: 3,
      ok: false,
      error: { code: "PAYLOAD_TOO_LARGE" },
    });
  });
});

/**
 * A socket that records what is written, and a channel that "seals" into the plaintext itself,
 * synchronously too (sealDataNow) when `sync`, as node:crypto's channel does; WebCrypto's cannot.
 */
function setup(sync: boolean) {
  const sent: unknown[] = [];
  const closed: Array<[number, string]> = [];
  const ws = { OPEN: 1, readyState: 1, bufferedAmount: 0, send: (f: Uint8Array) => sent.push(decode(f)) };
  const channel = {
    seal: async (_type: number, bytes: Uint8Array) => [bytes],
    sealDataNow: (bytes: Uint8Array) => (sync ? bytes : undefined),
  } as unknown as SecureChannel;
  let frames = 0;
  const out = new Outbound(
    ws as unknown as WebSocket,
    undefined,
    log,
    { inc: (n = 1) => (frames += n) },
    {
      close: (code, reason) => closed.push([code, reason]),
      fail: (err) => {
        throw err;
      },
    },
  );
  return { ws, channel, out, sent, closed, frames: () => frames };
}

describe.each([
  ["synchronous", true],
  ["asynchronous", false],
])("Outbound, %s sealing", (_name, sync) => {
  it("sends nothing before the channel exists, then in queue order", async () => {
    const { out, channel, sent, frames } = setup(sync);
    await out.send({ t: "reply", id: 1, ok: true, value: null });
    expect(sent).toEqual([]);
    out.attach(channel);
    void out.send({ t: "reply", id: 2, ok: true, value: null });
    out.sendEvent("chat.message", { n: 1 }, false);
    out.sendEventBytes(new TextEncoder().encode('{"t":"event","type":"x","body":2}'), false);
    await out.idle;
    expect(sent).toEqual([
      { t: "reply", id: 2, ok: true, value: null },
      { t: "event", type: "chat.message", body: { n: 1 } },
      { t: "event", type: "x", body: 2 },
    ]);
    expect(frames()).toBe(3);
  });

  it("drops droppable events for a lagging reader and closes a reader that is too slow", async () => {
    const { ws, out, channel, sent, closed } = setup(sync);
    out.attach(channel);
    ws.bufferedAmount = DROP_EVENTS_ABOVE + 1;
    out.sendEvent("typing.started", {}, true);
    out.sendEvent("chat.message", {}, false);
    await out.idle;
    expect(sent).toEqual([{ t: "event", type: "chat.message", body: {} }]);
    ws.bufferedAmount = SLOW_CONSUMER_LIMIT + 1;
    out.sendEvent("chat.message", {}, false);
    await out.idle;
    expect(closed).toEqual([[CLOSE.TRY_AGAIN_LATER, "reading too slowly"]]);
    expect(sent).toHaveLength(1);
  });

  it("queues nothing after end(), but sends what was queued before", async () => {
    const { out, channel, sent } = setup(sync);
    out.attach(channel);
    out.sendEvent("a", {}, false);
    out.end();
    out.sendEvent("b", {}, false);
    await out.idle;
    expect(sent).toEqual([{ t: "event", type: "a", body: {} }]);
  });

  it("keeps queue order when a message waits for the asynchronous path", async () => {
    const { out, channel, sent } = setup(sync);
    let seals = 0;
    // Every other sealDataNow declines (a key update due): the next message must queue behind it.
    const c = channel as unknown as { sealDataNow: (b: Uint8Array) => Uint8Array | undefined };
    c.sealDataNow = (bytes) => (sync && seals++ % 2 === 0 ? bytes : undefined);
    out.attach(channel);
    for (let n = 0; n < 6; n++) out.sendEvent("e", { n }, false);
    await out.idle;
    expect(sent).toEqual([0, 1, 2, 3, 4, 5].map((n) => ({ t: "event", type: "e", body: { n } })));
  });
});
