/**
 * deploy/nats/auth.conf against a real nats-server: each role may use exactly its subjects. Only
 * gateways publish client commands; only services publish deliveries and control messages; a
 * gateway cannot listen to other gateways' commands; nobody connects without a password.
 */
import { Objm } from "@nats-io/obj";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connectNats, createLogger, type NatsConnection } from "@sealroom/runtime";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { startCluster, type Cluster, type Role } from "./support/cluster.js";

const log = createLogger({ service: "permissions-test", level: "silent", pretty: false });
let cluster: Cluster;
const open: NatsConnection[] = [];

beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A connection as `role`, recording the server's permission errors. */
async function as(role: Role) {
  const nc = await connectNats({
    url: cluster.natsUrl,
    name: `test ${role}`,
    user: role,
    password: cluster.passwords[role],
    log,
  });
  open.push(nc);
  const errors: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === "error") errors.push(s.error.message);
  })();
  return { nc, errors };
}

/** Subscribes and collects what arrives (a refused subscription calls back once with an error). */
function listen(nc: NatsConnection, subject: string, queue?: string) {
  const got: string[] = [];
  const sub = nc.subscribe(subject, {
    ...(queue ? { queue } : {}),
    callback: (e, m) => void (e ? undefined : got.push(m.subject)),
  });
  return { got, sub };
}

/** Publishes and gives the server time to deliver or refuse. */
async function publish(nc: NatsConnection, subject: string) {
  nc.publish(subject, "{}");
  await nc.flush();
  await sleep(100);
}

describe("NATS subject permissions (deploy/nats/auth.conf)", () => {
  test("a gateway publishes commands that the service receives, but cannot publish deliveries or control messages", async () => {
    const gateway = await as("gateway");
    const chat = await as("chat");
    const other = await as("gateway");
    const commands = listen(chat.nc, SUBJECTS.commandFamily("chat"), "chat");
    const deliveries = listen(other.nc, "evt.user.>");
    const control = listen(other.nc, SUBJECTS.sessionRevoked);
    await chat.nc.flush();
    await other.nc.flush();

    await publish(gateway.nc, SUBJECTS.command("chat.send"));
    expect(commands.got).toEqual(["cmd.chat.send"]);
    expect(gateway.errors).toEqual([]);

    await publish(gateway.nc, SUBJECTS.userEvents(1));
    await publish(gateway.nc, SUBJECTS.sessionRevoked);
    expect(deliveries.got).toEqual([]);
    expect(control.got).toEqual([]);
    expect(gateway.errors.join("\n")).toMatch(/permissions violation.*evt\.user\.1/i);
    expect(gateway.errors.join("\n")).toMatch(/permissions violation.*ctl\.session\.revoked/i);
  });

  test("a service publishes deliveries to the gateways, but cannot publish commands", async () => {
    const gateway = await as("gateway");
    const chat = await as("chat");
    const social = await as("social");
    const deliveries = listen(gateway.nc, "evt.user.>");
    const commands = listen(social.nc, SUBJECTS.commandFamily("social"), "social");
    await gateway.nc.flush();
    await social.nc.flush();

    await publish(chat.nc, SUBJECTS.userEvents(7));
    expect(deliveries.got).toEqual(["evt.user.7"]);

    for (const subject of [
      SUBJECTS.command("social.friends.request"),
      SUBJECTS.command("auth.login"),
      SUBJECTS.presenceReport,
    ]) {
      await publish(chat.nc, subject);
    }
    expect(commands.got).toEqual([]);
    expect(chat.errors.join("\n")).toMatch(/permissions violation.*cmd\.social\.friends\.request/i);
    expect(chat.errors.join("\n")).toMatch(/permissions violation.*cmd\.auth\.login/i);
    expect(chat.errors.join("\n")).toMatch(/permissions violation.*gw\.presence\.report/i);
  });

  test("chat hears auth's session revocations (its reconciler removes signed-out devices) but cannot publish them", async () => {
    const auth = await as("auth");
    const chat = await as("chat");
    const heard = listen(chat.nc, SUBJECTS.sessionRevoked, "chat");
    await chat.nc.flush();
    await publish(auth.nc, SUBJECTS.sessionRevoked);
    expect(heard.got).toEqual([SUBJECTS.sessionRevoked]);
    expect(chat.errors).toEqual([]);
    await publish(chat.nc, SUBJECTS.sessionRevoked);
    expect(heard.got).toHaveLength(1);
    expect(chat.errors.join("\n")).toMatch(/permissions violation.*ctl\.session\.revoked/i);
  });

  test("a gateway cannot subscribe to commands, and a service not to another service's commands", async () => {
    const gateway = await as("gateway");
    const auth = await as("auth");
    listen(gateway.nc, "cmd.>");
    listen(auth.nc, SUBJECTS.commandFamily("chat"), "chat");
    await gateway.nc.flush();
    await auth.nc.flush();
    await sleep(100);
    expect(gateway.errors.join("\n")).toMatch(/permissions violation.*subscription.*cmd\.>/i);
    expect(auth.errors.join("\n")).toMatch(/permissions violation.*subscription.*cmd\.chat\.>/i);
  });

  test("a service answers the requests it receives (allow_responses) although it may not publish to _INBOX", async () => {
    const gateway = await as("gateway");
    const auth = await as("auth");
    auth.nc.subscribe(SUBJECTS.commandFamily("auth"), { queue: "auth", callback: (_e, m) => void m.respond("pong") });
    await auth.nc.flush();
    const reply = await gateway.nc.request(SUBJECTS.command("auth.login"), "{}", { timeout: 2000 });
    expect(reply.string()).toBe("pong");
    await publish(auth.nc, "_INBOX.someone.else");
    expect(auth.errors.join("\n")).toMatch(/permissions violation.*_INBOX/i);
  });

  test("ops cannot see another role's replies (an auth.login reply carries a resume ticket)", async () => {
    // Earlier tests' responders would answer in the same queue group.
    for (const nc of open.splice(0)) await nc.close();
    const gateway = await as("gateway");
    const auth = await as("auth");
    const ops = await as("ops");
    auth.nc.subscribe(SUBJECTS.commandFamily("auth"), { queue: "auth", callback: (_e, m) => void m.respond("ticket") });
    auth.nc.subscribe(SUBJECTS.health("auth"), { queue: "auth", callback: (_e, m) => void m.respond("healthy") });
    await auth.nc.flush();
    // Everything ops might try: every inbox, the gateways' inboxes, and everything at all.
    const snooped = [listen(ops.nc, "_INBOX.>"), listen(ops.nc, "_INBOX.gateway.>"), listen(ops.nc, ">")];
    await ops.nc.flush();

    const reply = await gateway.nc.request(SUBJECTS.command("auth.login"), "{}", { timeout: 2000 });
    expect(reply.string()).toBe("ticket");
    await sleep(100);
    for (const { got } of snooped) expect(got).toEqual([]);
    expect(ops.errors.join("\n")).toMatch(/permissions violation.*subscription.*_INBOX\.>/i);
    expect(ops.errors.join("\n")).toMatch(/permissions violation.*subscription.*_INBOX\.gateway\.>/i);

    // What ops is for still works, on its own inbox; and a gateway cannot read ops' replies either.
    const gatewaySnoop = listen(gateway.nc, "_INBOX.ops.>");
    await gateway.nc.flush();
    const health = await ops.nc.request(SUBJECTS.health("auth"), "", { timeout: 2000 });
    expect(health.string()).toBe("healthy");
    await sleep(100);
    expect(gatewaySnoop.got).toEqual([]);
    expect(gateway.errors.join("\n")).toMatch(/permissions violation.*subscription.*_INBOX\.ops\.>/i);
  });

  test("chat uses the attachments' JetStream object store; a gateway cannot reach it", async () => {
    const chat = await as("chat");
    const os = await new Objm(chat.nc).create("sealroom-blobs", { storage: "file" });
    await os.putBlob({ name: "perm-test.0" }, new Uint8Array(40_000).fill(3));
    expect((await os.getBlob("perm-test.0"))?.length).toBe(40_000);
    await os.delete("perm-test.0");
    const gateway = await as("gateway");
    await expect(new Objm(gateway.nc).open("sealroom-blobs")).rejects.toThrow();
  });

  test("nobody connects without a password, or with another role's", async () => {
    await expect(connectNats({ url: cluster.natsUrl, name: "anonymous", log })).rejects.toThrow(/authoriz/i);
    await expect(
      connectNats({ url: cluster.natsUrl, name: "wrong", user: "gateway", password: cluster.passwords.chat, log }),
    ).rejects.toThrow(/authoriz/i);
  });
});
