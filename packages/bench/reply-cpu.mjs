#!/usr/bin/env node
// node packages/bench/reply-cpu.mjs [--reps N] [--size N]   (build services/gateway first)
// The gateway's CPU per reply, from the service's bytes to the client message's bytes (before
// AES-GCM, which is the same for both), for an S6 page (chat.history, 50 text entries, ~10 KB) and
// an S2 DM ack (chat.send): the contract path (JSON.parse, zod against the command's contract,
// JSON.stringify, UTF-8 encode: the gateway before issue #19's reply change) against the gateway's
// own forward.ts checkReply + outbound.ts replyBytes. Batches alternate, so the ratio holds on a
// busy machine; process.cpuUsage (user + system) over each batch, median per kind.
import { parseArgs } from "node:util";
import { COMMANDS } from "@sealroom/proto/commands";
import { resultSchema } from "@sealroom/proto/errors";
import { checkReply } from "../../services/gateway/dist/forward.js";
import { replyBytes, serializeMessage } from "../../services/gateway/dist/outbound.js";

const { values } = parseArgs({ options: { reps: { type: "string" }, size: { type: "string" } } });
const reps = Number(values.reps ?? 9);
const size = Number(values.size ?? 2000);
const log = { error() {} };
const encoder = new TextEncoder();

/** A page as S6 reads it: the seeded history of one DM, 50 entries before a cursor. */
function page() {
  const [a, b, conv, last] = [101, 102, 7, 20_000];
  const entries = Array.from({ length: 50 }, (_, i) => {
    const seq = last - 50 + i + 1;
    return {
      id: 1_000_000 + seq,
      conversationId: `dm:${a}:${b}`,
      seq,
      ts: 1_764_900_000_000 + seq * 1000,
      kind: "text",
      senderId: seq % 2 ? a : b,
      clientMsgId: `h${conv}-${seq}`,
      text: `seeded history message number ${seq}, about as long as a chat line`,
      editedTs: null,
      deletedTs: null,
    };
  });
  const people = [
    { id: a, username: "s6_reader_a" },
    { id: b, username: "s6_reader_b" },
  ];
  return { conversationId: `dm:${a}:${b}`, entries, lastSeq: last, visibleFromSeq: 0, truncated: false, people };
}

const cases = [
  ["chat.history", page()],
  [
    "chat.send",
    { id: 2_000_001, conversationId: "dm:101:102", seq: 20_001, ts: 1_764_900_000_000, clientMsgId: "m-4f2a9c" },
  ],
];

function contractPath(type, data, schema) {
  const parsed = schema.safeParse(JSON.parse(new TextDecoder().decode(data)));
  if (!parsed.success) throw new Error(`${type}: the sample violates the contract`);
  return serializeMessage({ t: "reply", id: 42, ...parsed.data }, log);
}

function splicePath(type, data) {
  return replyBytes(42, checkReply(type, data, log), log);
}

function cpuUs(fn) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < size; i++) fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / size;
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

for (const [type, value] of cases) {
  const data = encoder.encode(JSON.stringify({ ok: true, value }));
  const schema = resultSchema(COMMANDS[type].value);
  const a = new TextDecoder().decode(contractPath(type, data, schema));
  const b = new TextDecoder().decode(splicePath(type, data));
  if (JSON.stringify(JSON.parse(a)) !== JSON.stringify(JSON.parse(b))) throw new Error(`${type}: the paths differ`);
  const text = new TextDecoder().decode(data);
  const before = [];
  const after = [];
  const parse = [];
  for (let r = 0; r < reps; r++) {
    before.push(cpuUs(() => contractPath(type, data, schema)));
    after.push(cpuUs(() => splicePath(type, data)));
    parse.push(cpuUs(() => JSON.parse(text)));
  }
  const [mb, ma] = [median(before), median(after)];
  console.log(
    `${type} (${data.length} bytes): contract path ${mb.toFixed(1)} µs, splice path ${ma.toFixed(1)} µs ` +
      `(${(ma / mb).toFixed(2)}x; ${reps} alternated batches of ${size}, median); ` +
      `of which JSON.parse alone ${median(parse).toFixed(1)} µs`,
  );
}
