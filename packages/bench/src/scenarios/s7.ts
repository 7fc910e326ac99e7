/**
 * S7, bystanders: ordinary users' DMs at a steady rate, measured alone and then while one heavy user
 * does the most the per-user limits allow: on every connection the gateway lets one user open,
 * history pages of the largest size back through a long conversation as fast as the connection's
 * budget refills, and, shared across them, social's heaviest writes (a group made with the most
 * invitations a create takes, renamed, its topic set, the profile changed, the group disbanded: each
 * fans out to the invited and to friends online) as fast as the user's write budget refills. Both
 * honour RATE_LIMITED's retry hint, as the SDK does. The question (issue #19): does one user's heavy
 * use reach other users' chat latency? Target: the bystanders' p99 <= 50 ms with the heavy user on.
 */
import { randomBytes } from "node:crypto";
import { dmConversationId, uploadAttachment, type SealroomClient } from "@sealroom/sdk/node";
import { CHAT_LIMITS } from "@sealroom/proto/chat";
import { SOCIAL_LIMITS } from "@sealroom/proto/social";
import { Outcomes, sleep } from "../load.js";
import { closeAll, seedFriendships, seedUsers, signIn } from "../population.js";
import { startStack } from "../stack.js";
import type { RunContext, Scenario, ScenarioRun, Step } from "../types.js";
import { dmFixture, dmStep } from "./dm.js";
import { seedHistory } from "./s6.js";

/** The defaults of the gateway and chat (BENCH_ENV lifts them for the other scenarios' generator). */
const PRODUCTION_LIMITS = {
  RATE_LIMIT_PER_SEC: "20",
  RATE_LIMIT_BURST: "60",
  MAX_CONNECTIONS_PER_USER: "20",
  CHAT_SEND_RATE_PER_SEC: "20",
  CHAT_SEND_BURST: "60",
  // The defaults (services/chat/src/env.ts); set in the environment to compare another budget.
  CHAT_BLOB_BYTES_PER_SEC: process.env.CHAT_BLOB_BYTES_PER_SEC ?? String(1024 * 1024),
  CHAT_BLOB_BURST_BYTES: process.env.CHAT_BLOB_BURST_BYTES ?? String(8 * 1024 * 1024),
};

type Result = { ok: true; value: unknown } | { ok: false; error: { code: string; retryAfterMs?: number } };

/** What the heavy user got done, by kind. */
class HeavyCounts {
  readonly pages = new Outcomes();
  readonly writes = new Outcomes();
  uploadedBytes = 0;
  uploadErrors: Record<string, number> = {};
}

/** The file each upload sends (random: nothing compresses), and uploads going at once. */
const UPLOAD_BYTES = 4 * 1024 * 1024;

/** One connection uploading files into `conversationId` back to back (deleted after, for the quota). */
async function uploadLoop(c: SealroomClient, conversationId: string, counts: HeavyCounts, stop: () => boolean) {
  const file = randomBytes(UPLOAD_BYTES);
  while (!stop()) {
    let before = 0;
    try {
      const ref = await uploadAttachment(c, conversationId, file, {
        onProgress: (done) => {
          counts.uploadedBytes += done - before;
          before = done;
        },
      });
      await c.request("chat.blob.delete", { blobId: ref.blobId }).catch(() => undefined);
    } catch (err) {
      const code = (err as { code?: string }).code ?? "ERROR";
      counts.uploadErrors[code] = (counts.uploadErrors[code] ?? 0) + 1;
      await sleep(200);
    }
  }
}

/** Waits out a refusal's hint (RATE_LIMITED, AUTH_BUSY...) before the next try. */
async function honour(r: Result): Promise<void> {
  if (!r.ok) await sleep(Math.max(10, r.error.retryAfterMs ?? 100));
}

/** One connection paging back through `conversationId` with the largest pages, until `stop()`. */
async function pageBack(
  c: SealroomClient,
  conversationId: string,
  total: number,
  counts: HeavyCounts,
  stop: () => boolean,
) {
  let before = total + 1;
  while (!stop()) {
    const r = (await c.call("chat.history", {
      conversationId,
      beforeSeq: before,
      limit: CHAT_LIMITS.pageMax,
    })) as Result;
    counts.pages.add(r);
    before = before - CHAT_LIMITS.pageMax > 1 ? before - CHAT_LIMITS.pageMax : total + 1;
    await honour(r);
  }
}

/** The write cycle on one connection (the budget is the user's, shared by all of them). */
async function writeCycle(c: SealroomClient, invite: number[], counts: HeavyCounts, stop: () => boolean) {
  const call = async (type: string, body: unknown): Promise<Result> => {
    for (;;) {
      const r = (await c.call(type as never, body)) as Result;
      counts.writes.add(r);
      if (r.ok || stop() || r.error.code !== "RATE_LIMITED") return r;
      await honour(r);
    }
  };
  for (let n = 0; !stop(); n++) {
    const made = await call("social.groups.create", { name: `heavy ${n}`, invite });
    if (!made.ok) {
      await honour(made);
      continue;
    }
    const groupId = (made.value as { group: { id: number } }).group.id;
    await call("social.groups.rename", { groupId, name: `heavy ${n} renamed` });
    await call("social.groups.setTopic", { groupId, topic: `topic ${n}` });
    await call("social.profile.update", { about: `about ${n}` });
    await call("social.groups.disband", { groupId });
  }
}

export const s7: Scenario = {
  id: "s7",
  title: "bystanders' DMs alone, then beside one user at every per-user limit (history pages, social writes)",
  target: "bystanders' p99 <= 50 ms while the heavy user runs",
  async run(ctx: RunContext): Promise<ScenarioRun> {
    const bystanders = ctx.quick ? 20 : 200;
    const rate = ctx.quick ? 20 : 200;
    const history = ctx.quick ? 2000 : 100_000;
    const connections = ctx.quick ? 2 : 20; // the gateway's default MAX_CONNECTIONS_PER_USER
    // A deployment's limits, not the generator's lifted ones: they are what the heavy user meets.
    const stack = await startStack({ nodeFlags: ctx.nodeFlags, override: ctx.override, env: PRODUCTION_LIMITS });
    const all: SealroomClient[] = [];
    try {
      const fx = await dmFixture(stack, bystanders);
      all.push(...fx.clients);
      const [heavy, partner, ...offline] = await seedUsers(stack, 2 + SOCIAL_LIMITS.createInvitesMax, "s7h");
      // Friends with every bystander too (online: each write's fan-out reaches sockets) and with the
      // offline ones it invites.
      const friends = [partner!, ...offline, ...fx.pairs.flatMap((p) => [p.a, p.b])];
      await seedFriendships(
        stack,
        friends.map((f) => [heavy!.id, f.id]),
      );
      await seedHistory(stack, [[heavy!.id, partner!.id]], history);
      const conversationId = dmConversationId(heavy!.id, partner!.id);
      const heavyClients = await signIn(stack, [heavy!], { perUser: connections });
      all.push(...heavyClients);
      const invite = friends.slice(0, SOCIAL_LIMITS.createInvitesMax).map((f) => f.id);

      const steps: Step[] = [];
      const alone = await dmStep(stack, fx, rate, ctx.stepSeconds, { label: `${rate} DM/s alone` });
      steps.push(alone);
      ctx.log(`  s7 ${alone.label}: p50 ${alone.latencyMs.p50} ms, p99 ${alone.latencyMs.p99} ms`);

      const counts = new HeavyCounts();
      let stopped = false;
      const stop = () => stopped;
      // BENCH_S7_HEAVY: a comma-separated choice of pages, writes, uploads (default pages,writes), to
      // tell which one reaches the bystanders. Uploads: 4 MiB files on 4 of the connections at once.
      const kinds = new Set((process.env.BENCH_S7_HEAVY ?? "pages,writes").split(","));
      const heavyRun = Promise.all([
        ...(kinds.has("pages") ? heavyClients.map((c) => pageBack(c, conversationId, history, counts, stop)) : []),
        ...(kinds.has("writes") ? [writeCycle(heavyClients[0]!, invite, counts, stop)] : []),
        ...(kinds.has("uploads")
          ? heavyClients.slice(0, 4).map((c) => uploadLoop(c, conversationId, counts, stop))
          : []),
      ]);
      await sleep(1000); // past the buckets' bursts: the sustained rates
      const t0 = performance.now();
      const pages0 = counts.pages.ok;
      const writes0 = counts.writes.ok;
      const bytes0 = counts.uploadedBytes;
      const beside = await dmStep(stack, fx, rate, ctx.stepSeconds, {
        label: `${rate} DM/s beside the heavy user`,
        extra: () => {
          const s = (performance.now() - t0) / 1000;
          return {
            heavyPagesPerSec: Math.round((counts.pages.ok - pages0) / s),
            heavyEntriesPerSec: Math.round(((counts.pages.ok - pages0) * CHAT_LIMITS.pageMax) / s),
            heavyWritesPerSec: Math.round(((counts.writes.ok - writes0) / s) * 10) / 10,
            heavyUploadMBps: Math.round((counts.uploadedBytes - bytes0) / s / 1e4) / 100,
            heavyRefusals: JSON.stringify({
              pages: counts.pages.codes,
              writes: counts.writes.codes,
              uploads: counts.uploadErrors,
            }),
          };
        },
      });
      stopped = true;
      await heavyRun;
      steps.push(beside);
      ctx.log(
        `  s7 ${beside.label}: p50 ${beside.latencyMs.p50} ms, p99 ${beside.latencyMs.p99} ms ` +
          `(heavy: ${beside.extra?.heavyPagesPerSec} pages/s, ${beside.extra?.heavyWritesPerSec} writes/s, ` +
          `${beside.extra?.heavyUploadMBps} MB/s up)`,
      );
      return {
        steps,
        summary: {
          aloneP99Ms: alone.latencyMs.p99,
          besideP99Ms: beside.latencyMs.p99,
          besideReachPct: beside.reach,
          heavyPagesPerSec: beside.extra?.heavyPagesPerSec ?? 0,
          heavyWritesPerSec: beside.extra?.heavyWritesPerSec ?? 0,
        },
      };
    } finally {
      closeAll(all);
      await stack.stop();
    }
  },
  key: (run) => Number(run.summary.besideP99Ms),
  judge(run) {
    const s = run.summary;
    return {
      met: Number(s.besideP99Ms) <= 50 && Number(s.besideReachPct) >= 99.9,
      detail: `bystanders' p99 ${s.aloneP99Ms} ms alone, ${s.besideP99Ms} ms beside the heavy user (reach ${s.besideReachPct}%)`,
    };
  },
};
