/**
 * Racing mutations across two processes: this test's in-process instance and a real second
 * social service process (dist/main.js) share the queue group and one SQLite file, so the
 * serialization under test is SQLite's write lock between processes, not this event loop.
 * Needs an up-to-date services/social/dist (`npm test` builds first); without one it is skipped
 * with a warning rather than run against stale code.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthSchema } from "@sealroom/proto/envelope";
import { resultSchema } from "@sealroom/proto/errors";
import { freePort } from "@sealroom/testkit";
import { setup, type Harness, type Reply } from "./test/harness.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const main = path.resolve(here, "../dist/main.js");

/** Why dist/main.js cannot stand for the current sources, if it cannot. */
function staleBuild(): string | undefined {
  if (!existsSync(main)) return "services/social/dist is missing";
  const built = statSync(main).mtimeMs;
  const sources = [
    ...readdirSync(here)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => path.join(here, f)),
    path.resolve(here, "../../../packages/proto/src/social.ts"),
    path.resolve(here, "../../../packages/proto/src/subjects.ts"),
  ];
  const newer = sources.filter((f) => statSync(f).mtimeMs > built);
  return newer.length > 0 ? `services/social/dist is older than ${path.basename(newer[0]!)}` : undefined;
}
const stale = staleBuild();
if (stale) console.warn(`processes.test.ts skipped: ${stale} (npm run build)`);

let h: Harness;
let child: ChildProcess;
let opsPort: number;
let childOutput = "";

beforeAll(async () => {
  if (stale) return;
  h = await setup({ config: { groupSizeCap: 4 } });
  opsPort = await freePort();
  child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: h.databaseUrl,
      NATS_URL: h.nats.url,
      HTTP_PORT: String(opsPort),
      GROUP_SIZE_CAP: "4",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (childOutput += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (childOutput += d.toString()));
  // Ready once health requests reach it too.
  const until = Date.now() + 15_000;
  for (;;) {
    const msg = await h.client.request("health.social", "", { timeout: 1000 });
    const reply = resultSchema(healthSchema).parse(msg.json());
    if (reply.ok && reply.value.instance.endsWith(`:${child.pid}`)) break;
    if (Date.now() > until) throw new Error(`second process did not come up:\n${childOutput}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  await h?.teardown();
});

const outcome = (r: Reply<unknown>) => (r.ok ? "ok" : r.error.code);

async function expectConsistent(groupId: number) {
  const group = await h.db.group.findUniqueOrThrow({ where: { id: groupId } });
  const members = await h.db.groupMember.findMany({ where: { groupId } });
  expect(members.filter((m) => m.role === "owner").map((m) => m.userId)).toEqual([group.ownerId]);
  expect(members.length).toBeLessThanOrEqual(4);
  expect(await h.db.groupEvent.count({ where: { groupId } })).toBe(group.version);
  return new Map(members.map((m) => [m.userId, m.role]));
}

describe.skipIf(stale !== undefined)("two processes, one database", () => {
  it("transfers racing leaves, kicks racing accepts and double kicks end consistent", async () => {
    for (let i = 0; i < 5; i++) {
      const [owner, admin, admin2, m, x] = await h.users("o", "a", "b", "m", "x");
      const groupId = await h.seedGroup(owner!, { admins: [admin!, admin2!] });
      const { invitation } = await h.ok("social.groups.invite", { groupId, userId: x }, owner!);
      const [accept, kick1, kick2, transfer, leave] = await Promise.all([
        h.call("social.groups.acceptInvite", { invitationId: invitation.id }, x!),
        h.call("social.groups.kick", { groupId, userId: x }, admin!),
        h.call("social.groups.kick", { groupId, userId: x }, admin2!),
        h.call("social.groups.transfer", { groupId, userId: admin2 }, owner!),
        h.call("social.groups.leave", { groupId }, admin2!),
      ]);
      expect(accept.ok).toBe(true);
      const kicks = [kick1, kick2].filter((k) => k.ok).length;
      expect(kicks).toBeLessThanOrEqual(1);
      expect(["ok/CONFLICT", "NOT_FOUND/ok"]).toContain(`${outcome(transfer)}/${outcome(leave)}`);
      const members = await expectConsistent(groupId);
      expect(members.has(x!)).toBe(kicks === 0);
      expect(m).toBeGreaterThan(0);
    }
  });

  it("accepts racing for the last seats never overfill the group", async () => {
    const [owner, ...invitees] = await h.users("o", "i1", "i2", "i3", "i4", "i5", "i6");
    const groupId = await h.seedGroup(owner!);
    const invitations = [];
    for (const u of invitees)
      invitations.push((await h.ok("social.groups.invite", { groupId, userId: u }, owner!)).invitation);
    const results = await Promise.all(
      invitations.map((inv, k) => h.call("social.groups.acceptInvite", { invitationId: inv.id }, invitees[k]!)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    await expectConsistent(groupId);
  });

  it("crossing friend requests make one friendship", async () => {
    for (let i = 0; i < 5; i++) {
      const [a, b] = await h.users("p", "q");
      const results = await Promise.all([
        h.call("social.friends.request", { userId: b }, a!),
        h.call("social.friends.request", { userId: a }, b!),
      ]);
      expect(results.map((r) => (r.ok ? r.value.status : r.error.code)).sort()).toEqual(["friends", "pending"]);
      expect(await h.db.friendship.count({ where: { OR: [{ userAId: a }, { userBId: a }] } })).toBe(1);
    }
  });

  it("the other process really took part", async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    const handled = [
      ...metrics.matchAll(/sealroom_requests_total\{[^}]*subject="cmd\.social\.[^"]+"[^}]*\} (\d+)/g),
    ].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(handled).toBeGreaterThan(10);
    expect(childOutput).not.toMatch(/"level":(50|60)/);
  });
});
