/**
 * The history backup's key and device messages (auth.backup.*): the first key and rotations, of
 * which exactly one of two racing devices wins; the passphrase wrap; the changed event; device
 * messages between one user's devices, with the server's word for the sender, and nobody else's.
 * Real auth service, nats-server and database (SQLite or PostgreSQL: SEALROOM_TEST_DB).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionGrant } from "@sealroom/proto/auth";
import { BACKUP_EVENTS, type PassphraseWrap } from "@sealroom/proto/backup";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { ANON, ctxOf, setup, type Harness } from "./test/harness.js";
import { registerDevice } from "./test/keys.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { deviceMessages: { perSec: 1, burst: 5 } } });
});
afterAll(() => h.teardown());

let n = 0;
/** A new account, each from its own address (the registration throttle counts per address). */
const newUser = (): Promise<SessionGrant> => h.register(`bk${++n}`, "correct horse", { ...ANON, ip: `10.3.0.${n}` });
async function secondSession(grant: SessionGrant): Promise<SessionGrant> {
  const r = await h.login(grant.user.username);
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

const check = (c: string) => c.repeat(43);
const wrap: PassphraseWrap = {
  kdf: "argon2id",
  salt: "s".repeat(22),
  memoryKiB: 19 * 1024,
  iterations: 2,
  parallelism: 1,
  wrapped: "w".repeat(80),
};

const NONE = { key: null, wrap: null, links: [] };
/** A link back as a rotation to `version` carries it (the server never opens it). */
const link = (version: number) => `${version}`.padEnd(80, "L");
/** The body of a first key (version 1) or of a rotation to `version`, with no wraps. */
const rotationTo = (version: number, c: string) => ({
  version,
  check: check(c),
  passphrase: null,
  ...(version > 1 ? { previous: link(version) } : {}),
});

interface UserEvent {
  type: string;
  body: unknown;
}

/** Collects what reaches `evt.user.<userId>`. */
async function listen(userId: number) {
  const seen: UserEvent[] = [];
  const sub = h.client.subscribe(SUBJECTS.userEvents(userId), {
    callback: (_err, msg) => {
      seen.push(msg.json<UserEvent>());
    },
  });
  await h.client.flush();
  return {
    seen,
    async settle(): Promise<UserEvent[]> {
      await h.client.flush();
      await new Promise((r) => setTimeout(r, 100));
      return seen;
    },
    stop: () => sub.unsubscribe(),
  };
}

describe("the backup key", () => {
  it("has none at first, records version 1, rotates to 2, and tells the user each time", async () => {
    const grant = await newUser();
    const events = await listen(grant.user.id);
    expect(await h.ok("auth.backup.status", {}, ctxOf(grant))).toEqual(NONE);
    await h.ok("auth.backup.create", { version: 1, check: check("a"), passphrase: wrap }, ctxOf(grant));
    expect(await h.ok("auth.backup.status", {}, ctxOf(grant))).toEqual({
      key: { version: 1, check: check("a"), passphrase: wrap },
      wrap: null,
      links: [],
    });
    await h.ok("auth.backup.create", rotationTo(2, "b"), ctxOf(grant));
    // A rotation replaces the key and its passphrase wrap, and keeps the link back.
    expect(await h.ok("auth.backup.status", {}, ctxOf(grant))).toEqual({
      key: { version: 2, check: check("b"), passphrase: null },
      wrap: null,
      links: [{ version: 2, sealed: link(2) }],
    });
    const changed = (await events.settle()).filter((e) => e.type === "auth.backup.changed.v1");
    expect(changed.map((e) => BACKUP_EVENTS["auth.backup.changed.v1"].parse(e.body).version)).toEqual([1, 2]);
    events.stop();
  });

  it("refuses any version but the current + 1 as CONFLICT, changing nothing", async () => {
    const grant = await newUser();
    for (const version of [2, 3]) {
      const err = await h.fail("auth.backup.create", rotationTo(version, "a"), ctxOf(grant));
      expect(err.code, `version ${version} before any`).toBe("CONFLICT");
    }
    await h.ok("auth.backup.create", { version: 1, check: check("a"), passphrase: null }, ctxOf(grant));
    const again = await h.fail("auth.backup.create", { version: 1, check: check("c"), passphrase: null }, ctxOf(grant));
    expect(again.code, "version 1 again").toBe("CONFLICT");
    for (const version of [3]) {
      const err = await h.fail("auth.backup.create", rotationTo(version, "c"), ctxOf(grant));
      expect(err.code, `version ${version} after 1`).toBe("CONFLICT");
    }
    expect((await h.ok("auth.backup.status", {}, ctxOf(grant))).key).toMatchObject({ version: 1, check: check("a") });
  });

  it("of two devices creating at once, exactly one wins (the first key and a rotation)", async () => {
    const grant = await newUser();
    const other = await secondSession(grant);
    for (const version of [1, 2]) {
      const replies = await Promise.all(
        [grant, other].map((g, i) => h.call("auth.backup.create", rotationTo(version, i === 0 ? "x" : "y"), ctxOf(g))),
      );
      const won = replies.filter((r) => r.ok);
      expect(won, `version ${version}`).toHaveLength(1);
      const lost = replies.find((r) => !r.ok);
      expect(lost && !lost.ok && lost.error.code).toBe("CONFLICT");
      const key = (await h.ok("auth.backup.status", {}, ctxOf(grant))).key;
      expect(key?.version).toBe(version);
      expect(key?.check).toBe(check(replies[0]?.ok ? "x" : "y"));
    }
  });

  it("sets and removes the passphrase of the current version; NOT_FOUND without a key, CONFLICT after a rotation", async () => {
    const grant = await newUser();
    const err = await h.fail("auth.backup.setPassphrase", { version: 1, passphrase: wrap }, ctxOf(grant));
    expect(err.code).toBe("NOT_FOUND");
    await h.ok("auth.backup.create", { version: 1, check: check("a"), passphrase: null }, ctxOf(grant));
    const events = await listen(grant.user.id);
    await h.ok("auth.backup.setPassphrase", { version: 1, passphrase: wrap }, ctxOf(grant));
    expect((await h.ok("auth.backup.status", {}, ctxOf(grant))).key?.passphrase).toEqual(wrap);
    await h.ok("auth.backup.setPassphrase", { version: 1, passphrase: null }, ctxOf(grant));
    expect((await h.ok("auth.backup.status", {}, ctxOf(grant))).key?.passphrase).toBeNull();
    expect((await events.settle()).filter((e) => e.type === "auth.backup.changed.v1")).toHaveLength(2);
    events.stop();
    await h.ok("auth.backup.create", rotationTo(2, "b"), ctxOf(grant));
    const stale = await h.fail("auth.backup.setPassphrase", { version: 1, passphrase: wrap }, ctxOf(grant));
    expect(stale.code).toBe("CONFLICT");
    expect((await h.ok("auth.backup.status", {}, ctxOf(grant))).key?.passphrase).toBeNull();
  });

  it("is each user's own: another user sees none of it and cannot change it", async () => {
    const alice = await newUser();
    const mallory = await newUser();
    await h.ok("auth.backup.create", { version: 1, check: check("a"), passphrase: wrap }, ctxOf(alice));
    expect(await h.ok("auth.backup.status", {}, ctxOf(mallory))).toEqual(NONE);
    const err = await h.fail("auth.backup.setPassphrase", { version: 1, passphrase: null }, ctxOf(mallory));
    expect(err.code).toBe("NOT_FOUND");
    expect((await h.ok("auth.backup.status", {}, ctxOf(alice))).key?.passphrase).toEqual(wrap);
  });

  it("refuses a malformed check or wrap as BAD_REQUEST, and an anonymous caller", async () => {
    const grant = await newUser();
    const bad = [
      { version: 1, check: "short", passphrase: null },
      { version: 0, check: check("a"), passphrase: null },
      { version: 1, check: check("a"), passphrase: { ...wrap, memoryKiB: 1024 } },
      { version: 1, check: check("a"), passphrase: { ...wrap, iterations: 11 } },
      { version: 1, check: check("a"), passphrase: { ...wrap, wrapped: "not base64url!" } },
    ];
    for (const body of bad) {
      expect((await h.fail("auth.backup.create", body, ctxOf(grant))).code, JSON.stringify(body)).toBe("BAD_REQUEST");
    }
    const anon = await h.fail("auth.backup.status", {}, ANON);
    expect(anon.code).toBe("NOT_AUTHENTICATED");
    expect(await h.ok("auth.backup.status", {}, ctxOf(grant))).toEqual(NONE);
  });
});

describe("a rotation's wraps to the remaining devices", () => {
  const wrapTo = (deviceId: string, c = "w") => ({
    deviceId,
    keyPackageRef: "r".repeat(43),
    enc: "e".repeat(43),
    sealed: c.repeat(64),
  });

  it("gives each device only its own wrap of the current version, replaced at the next rotation, gone with the device", async () => {
    const laptop = await newUser();
    const phone = await secondSession(laptop);
    const tablet = await secondSession(laptop);
    await registerDevice(h, laptop);
    const p = await registerDevice(h, phone);
    const t = await registerDevice(h, tablet);
    await h.ok("auth.backup.create", rotationTo(1, "a"), ctxOf(laptop));
    const wraps = [wrapTo(p.deviceId, "p"), wrapTo(t.deviceId, "t")];
    await h.ok("auth.backup.create", { ...rotationTo(2, "b"), wraps }, ctxOf(laptop));

    const { deviceId: _p, ...phoneWrap } = wraps[0]!;
    expect(await h.ok("auth.backup.status", {}, ctxOf(phone))).toMatchObject({ wrap: phoneWrap });
    expect((await h.ok("auth.backup.status", {}, ctxOf(tablet))).wrap?.sealed).toBe("t".repeat(64));
    expect((await h.ok("auth.backup.status", {}, ctxOf(laptop))).wrap).toBeNull();

    // The tablet rotates next, handing the key to the phone only: the tablet's old wrap goes.
    await h.ok("auth.backup.create", { ...rotationTo(3, "c"), wraps: [wrapTo(p.deviceId, "q")] }, ctxOf(tablet));
    expect((await h.ok("auth.backup.status", {}, ctxOf(tablet))).wrap).toBeNull();
    const status = await h.ok("auth.backup.status", {}, ctxOf(phone));
    expect(status.wrap?.sealed).toBe("q".repeat(64));
    expect(status.links).toEqual([
      { version: 3, sealed: link(3) },
      { version: 2, sealed: link(2) },
    ]);
    await h.ok("auth.logout", {}, ctxOf(phone));
    expect(await h.db.backupDeviceWrap.count({ where: { deviceId: p.deviceId } })).toBe(0);
  });

  it("refuses wraps to a signed-out device, the caller's own, another user's, or twice to one, and a rotation without its link", async () => {
    const laptop = await newUser();
    const phone = await secondSession(laptop);
    const gone = await secondSession(laptop);
    const own = await registerDevice(h, laptop);
    const p = await registerDevice(h, phone);
    const g = await registerDevice(h, gone);
    const stranger = await newUser();
    const s = await registerDevice(h, stranger);
    await h.ok("auth.logout", {}, ctxOf(gone));
    await h.ok("auth.backup.create", rotationTo(1, "a"), ctxOf(laptop));

    for (const [wraps, code] of [
      [[wrapTo(g.deviceId)], "NOT_FOUND"],
      [[wrapTo(own.deviceId)], "NOT_FOUND"],
      [[wrapTo(s.deviceId)], "NOT_FOUND"],
      [[wrapTo(p.deviceId), wrapTo(p.deviceId, "x")], "BAD_REQUEST"],
    ] as const) {
      const err = await h.fail("auth.backup.create", { ...rotationTo(2, "b"), wraps }, ctxOf(laptop));
      expect(err.code, JSON.stringify(wraps)).toBe(code);
    }
    const { previous: _l, ...unlinked } = rotationTo(2, "b");
    expect((await h.fail("auth.backup.create", unlinked, ctxOf(laptop))).code).toBe("BAD_REQUEST");
    const first = { ...rotationTo(1, "a"), wraps: [wrapTo(p.deviceId)] };
    expect((await h.fail("auth.backup.create", first, ctxOf(stranger))).code).toBe("BAD_REQUEST");
    // Nothing of the refused ones was written.
    expect(await h.ok("auth.backup.status", {}, ctxOf(phone))).toMatchObject({
      key: { version: 1 },
      wrap: null,
      links: [],
    });
  });
});

describe("auth.backup.deviceMessage", () => {
  it("reaches the user's event subject with the server's fromDeviceId, to one device or to all", async () => {
    const grant = await newUser();
    const a = await registerDevice(h, grant, "Laptop");
    const b = await registerDevice(h, await secondSession(grant), "Phone");
    const stranger = await newUser();
    const events = await listen(grant.user.id);
    const theirs = await listen(stranger.user.id);
    await h.ok("auth.backup.deviceMessage", { toDeviceId: b.deviceId, body: '{"hello":1}' }, ctxOf(a.grant));
    await h.ok("auth.backup.deviceMessage", { toDeviceId: null, body: "to all" }, ctxOf(b.grant));
    const messages = (await events.settle())
      .filter((e) => e.type === "auth.backup.deviceMessage.v1")
      .map((e) => BACKUP_EVENTS["auth.backup.deviceMessage.v1"].parse(e.body));
    expect(messages).toEqual([
      { fromDeviceId: a.deviceId, toDeviceId: b.deviceId, body: '{"hello":1}' },
      { fromDeviceId: b.deviceId, toDeviceId: null, body: "to all" },
    ]);
    expect(await theirs.settle()).toEqual([]);
    events.stop();
    theirs.stop();
  });

  it("refuses a session without a device, itself as BAD_REQUEST, and a device not the user's as NOT_FOUND", async () => {
    const grant = await newUser();
    const noDevice = await h.fail("auth.backup.deviceMessage", { toDeviceId: null, body: "x" }, ctxOf(grant));
    expect(noDevice.code).toBe("DEVICE_NOT_REGISTERED");
    const a = await registerDevice(h, grant);
    const self = await h.fail("auth.backup.deviceMessage", { toDeviceId: a.deviceId, body: "x" }, ctxOf(grant));
    expect(self.code).toBe("BAD_REQUEST");
    const stranger = await newUser();
    const theirs = await registerDevice(h, stranger);
    for (const toDeviceId of [theirs.deviceId, "A".repeat(22)]) {
      const err = await h.fail("auth.backup.deviceMessage", { toDeviceId, body: "x" }, ctxOf(grant));
      expect(err.code).toBe("NOT_FOUND");
    }
    const long = await h.fail("auth.backup.deviceMessage", { toDeviceId: null, body: "x".repeat(4097) }, ctxOf(grant));
    expect(long.code).toBe("BAD_REQUEST");
  });

  it("is rate-limited per user (RATE_LIMITED with a wait)", async () => {
    const grant = await newUser();
    await registerDevice(h, grant);
    const replies = [];
    for (let i = 0; i < 7; i++) {
      replies.push(await h.call("auth.backup.deviceMessage", { toDeviceId: null, body: `m${i}` }, ctxOf(grant)));
    }
    const limited = replies.filter((r) => !r.ok);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((r) => !r.ok && r.error.code === "RATE_LIMITED" && (r.error.retryAfterMs ?? 0) > 0)).toBe(
      true,
    );
  });
});
