#!/usr/bin/env node
/**
 * npm run bench:attachments -w @sealroom/bench [-- --mib N] [--runs N]
 *
 * Attachment throughput (issue #17) through the whole stack as separate processes (as `npm run
 * bench` runs it): one user uploads a file of N MiB (default 16) with the SDK's uploadAttachment
 * (sealed on the device in 32 KiB chunks, one `chat.blob.put` per chunk over the encrypted session,
 * 4 in flight, the gateway, the chat service, JetStream's object store), the other downloads it with
 * downloadAttachment (tags and SHA-256 checked). Beside it, the raw object store the chat service
 * writes to: the same chunks put and got from this process straight to the nats-server, one
 * object per chunk as the service stores them, and the same file as one object. MB/s of plaintext
 * (1 MB = 10^6 bytes), the median of `--runs` (default 3).
 */
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { Objm } from "@nats-io/obj";
import { connect } from "@nats-io/transport-node";
import { dmConversationId, downloadAttachment, uploadAttachment } from "@sealroom/sdk/node";
import { closeAll, seedFriendships, seedUsers, signIn } from "./population.js";
import { startStack } from "./stack.js";

const { values } = parseArgs({ options: { mib: { type: "string" }, runs: { type: "string" } } });
const size = Math.round(Number(values.mib ?? 16) * 1024 * 1024);
const runs = Number(values.runs ?? 3);
const CHUNK = 32 * 1024 + 16;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const stack = await startStack();
const rows: Array<[string, number]> = [];
try {
  const [a, b] = await seedUsers(stack, 2, "att");
  await seedFriendships(stack, [[a!.id, b!.id]]);
  const [up, down] = await signIn(stack, [a!, b!]);
  const dm = dmConversationId(a!.id, b!.id);
  const file = new Uint8Array(randomBytes(size));
  const ups: number[] = [];
  const downs: number[] = [];
  for (let i = 0; i < runs; i++) {
    let ref: Awaited<ReturnType<typeof uploadAttachment>> | undefined;
    ups.push(await timed(async () => (ref = await uploadAttachment(up!, dm, file))));
    downs.push(await timed(() => downloadAttachment(down!, ref!)));
    await up!.request("chat.blob.delete", { blobId: ref!.blobId });
  }
  rows.push(["SDK upload (seal, chat.blob.put over the session)", mbps(size, median(ups))]);
  rows.push(["SDK download (chat.blob.get, open, SHA-256)", mbps(size, median(downs))]);
  closeAll([up, down]);

  // The raw object store, from this process (the chat service's NATS user has the same path).
  const nc = await connect({ servers: stack.natsUrl });
  const os = await new Objm(nc).create("bench-raw", { storage: "file" });
  const chunks = Math.ceil(size / CHUNK);
  const chunk = (i: number) => file.subarray(i * CHUNK, Math.min(size, (i + 1) * CHUNK));
  const rawPut: number[] = [];
  const rawGet: number[] = [];
  const wholePut: number[] = [];
  const wholeGet: number[] = [];
  for (let r = 0; r < runs; r++) {
    rawPut.push(
      await timed(async () => {
        for (let i = 0; i < chunks; i++) await os.putBlob({ name: `raw${r}.${i}` }, chunk(i));
      }),
    );
    rawGet.push(
      await timed(async () => {
        for (let i = 0; i < chunks; i++) await os.getBlob(`raw${r}.${i}`);
      }),
    );
    wholePut.push(await timed(() => os.putBlob({ name: `whole${r}` }, file)));
    wholeGet.push(await timed(() => os.getBlob(`whole${r}`)));
  }
  rows.push(["object store: put, one object per 32 KiB chunk, one at a time", mbps(size, median(rawPut))]);
  rows.push(["object store: get, one object per 32 KiB chunk, one at a time", mbps(size, median(rawGet))]);
  rows.push(["object store: put, the file as one object", mbps(size, median(wholePut))]);
  rows.push(["object store: get, the file as one object", mbps(size, median(wholeGet))]);
  await os.destroy();
  await nc.close();
} finally {
  await stack.stop();
}
console.log(`file of ${(size / 1024 / 1024).toFixed(1)} MiB, median of ${runs} runs`);
console.log("| path | MB/s |");
console.log("|---|---|");
for (const [what, rate] of rows) console.log(`| ${what} | ${rate.toFixed(1)} |`);
