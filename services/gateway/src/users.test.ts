/**
 * What a socket gets for an `evt.user.<id>` payload, through a real nats-server: the ServerMessage
 * `{t:"event", type, body}` whether the payload's bytes are reused or re-serialized, unknown keys
 * stripped, malformed payloads dropped.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startNats, type NatsServer } from "@sealroom/testkit";
import { connectNats, type NatsConnection } from "@sealroom/runtime";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { UserRegistry, type UserSocket } from "./users.js";
import { silentLog } from "./test/harness.js";

let nats: NatsServer;
let gw: NatsConnection;
let svc: NatsConnection;
const received: Array<{ text: string; droppable: boolean }> = [];
const socket: UserSocket = {
  userId: 7,
  sendEventBytes: (bytes, droppable) => void received.push({ text: Buffer.from(bytes).toString("utf8"), droppable }),
};

beforeAll(async () => {
  nats = await startNats();
  gw = await connectNats({ url: nats.url, name: "gateway", log: silentLog });
  svc = await connectNats({ url: nats.url, name: "service", log: silentLog });
  const users = new UserRegistry(gw, silentLog);
  users.add(socket);
  await gw.flush();
});

afterAll(async () => {
  await svc?.drain();
  await gw?.drain();
  await nats?.stop();
});

it("forwards every valid payload as the same ServerMessage, and drops the rest", async () => {
  const payloads = [
    '{"type":"chat.message.v1","body":{"text":"h\\u00e9 \\ud83d\\ude00","n":[1,2.5,null]}}',
    '{"type":"chat.message.v1","body":{"text":"h\\u00e9 \\ud83d\\ude00","n":[1,2.5,null]}}', // repeated: cached
    '{"body":{"a":1},"type":"typing.v1"}',
    ' {"type":"presence.v1","body":true}', // leading space: re-serialized
    '{"type":"x.v1","body":1,"extra":"stripped"}',
    '{"type":"x.v1","extra":"no body"}', // body is required: dropped
    '{"type":7,"body":1}', // not a string: dropped
    "not json", // dropped
    "[1,2]", // dropped
  ];
  for (const p of payloads) svc.publish(SUBJECTS.userEvents(7), p);
  await svc.flush();
  const until = Date.now() + 3000;
  while (received.length < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  const body = { text: "hé 😀", n: [1, 2.5, null] };
  expect(received.map((r) => JSON.parse(r.text) as unknown)).toEqual([
    { t: "event", type: "chat.message.v1", body },
    { t: "event", type: "chat.message.v1", body },
    { t: "event", type: "typing.v1", body: { a: 1 } },
    { t: "event", type: "presence.v1", body: true },
    { t: "event", type: "x.v1", body: 1 },
  ]);
  expect(received.map((r) => r.droppable)).toEqual([false, false, true, true, false]);
  // Every message starts with its `t`, as the gateway's own serialization does.
  for (const r of received) expect(r.text.startsWith('{"t":"event",')).toBe(true);
});
