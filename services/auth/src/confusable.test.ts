/**
 * Look-alike usernames (review item 4): each name reserves its UTS #39 confusable skeleton in the
 * database, names that hide invisible characters or mix scripts are refused, existing users get
 * their skeleton when the service starts, and names registered before the rules still sign in.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@sealroom/db";
import { usernameKey } from "@sealroom/proto/auth";
import { reservedSkeleton } from "./skeleton.js";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { throttle: { registrationsPerAddress: 1000 } } });
});
afterAll(() => h.teardown());

const register = (username: string) => h.call("auth.register", { username, password: "correct horse" });
const codeOf = (r: { ok: true } | { ok: false; error: { code: string } }) => (r.ok ? "ok" : r.error.code);

describe("registration", () => {
  it("regression: no look-alike of victim61710 can be registered beside it (seven were accepted)", async () => {
    expect(codeOf(await register("victim61710"))).toBe("ok");
    for (const [name, code] of [
      ["v\u0456ctim61710", "USERNAME_INVALID"], // Cyrillic і: mixed scripts (message below)
      ["victim61710\u034F", "USERNAME_INVALID"],
      ["victim61710\uFE0F", "USERNAME_INVALID"],
      ["victim61710\u{E0100}", "USERNAME_INVALID"],
      ["victim61710\u3164", "USERNAME_INVALID"],
      ["victim61710\u115F", "USERNAME_INVALID"],
      ["victim61710\u0338", "USERNAME_INVALID"],
      ["victim6l7l0", "USERNAME_TAKEN"], // l for 1: same skeleton
      ["victim6I7I0", "USERNAME_TAKEN"], // capital I for 1
    ] as const) {
      expect(codeOf(await register(name)), JSON.stringify(name)).toBe(code);
    }
    const mixed = await register("v\u0456ctim61710");
    expect(mixed.ok || mixed.error.message).toBe(
      "Use the letters of one writing system (Latin may go with Chinese, Japanese or Korean).",
    );
  });

  it("regression: a whole-script look-alike (all Cyrillic) of a Latin name is taken", async () => {
    expect(codeOf(await register("cocoa"))).toBe("ok");
    const reply = await register("\u0441\u043E\u0441\u043E\u0430"); // сосоа
    expect(reply.ok || reply.error).toMatchObject({
      code: "USERNAME_TAKEN",
      message: "That username is taken, or looks too much like one that is.",
    });
    expect(codeOf(await register("rnallory"))).toBe("ok");
    expect(codeOf(await register("mallory"))).toBe("USERNAME_TAKEN"); // m looks like rn
  });

  it("regression: of simultaneous registrations of look-alike names exactly one wins (the skeleton is a unique column)", async () => {
    // Five different keys with one skeleton: 1, l and I look alike.
    const names = ["lily1", "1ily1", "lilyl", "li1yI", "1i1y1"];
    const replies = await Promise.all(names.map(register));
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    for (const r of replies) if (!r.ok) expect(r.error.code).toBe("USERNAME_TAKEN");
    const rows = await h.db.user.findMany({ where: { usernameSkeleton: reservedSkeleton("lily1") } });
    expect(rows).toHaveLength(1);
  });

  it("keeps Chinese, Japanese, Korean, Cyrillic and Arabic names working", async () => {
    for (const name of ["王小明", "山田たろう", "ユーザー", "김민수", "Иван", "محمد", "taro山田"]) {
      expect(codeOf(await register(name)), name).toBe("ok");
    }
  });
});

describe("names from before the rules", () => {
  /** A user row as an older version wrote it: no skeleton, any name the old rules took. */
  const legacy = async (username: string) => {
    const { passwordHash } = await h.db.user.findUniqueOrThrow({ where: { usernameKey: "victim61710" } });
    return h.db.user.create({ data: { username, usernameKey: usernameKey(username), passwordHash } });
  };

  it("regression: existing users get their skeleton when the service starts; look-alikes among them do not stop it", async () => {
    const paypal = await legacy("oldpaypal");
    const twin = await legacy("oldpaypa1"); // the same skeleton: only the first keeps it
    const mixed = await legacy("oldp\u0430ypal2"); // Cyrillic а, mixed, as the old rules allowed
    expect(codeOf(await register("oldpaypaI"))).toBe("ok"); // nothing reserved yet: this is the bug
    await h.db.user.delete({ where: { usernameKey: "oldpaypai" } });

    const second = await h.addInstance(); // start() backfills
    const rows = await h.db.user.findMany({
      where: { id: { in: [paypal.id, twin.id, mixed.id] } },
      orderBy: { id: "asc" },
    });
    expect(rows.map((r) => r.usernameSkeleton)).toEqual([
      reservedSkeleton("oldpaypal"),
      null,
      reservedSkeleton("oldp\u0430ypal2"),
    ]);
    expect(codeOf(await register("oldpaypaI"))).toBe("USERNAME_TAKEN");
    expect(codeOf(await register("oldpaypal2"))).toBe("USERNAME_TAKEN"); // the Latin twin of the mixed one
    await h.stopInstance(second);
  });

  it("regression: a user whose name breaks the new rules can still sign in", async () => {
    await legacy("old\u0456vic"); // Cyrillic і
    const reply = await h.login("old\u0456vic", "correct horse");
    expect(codeOf(reply)).toBe("ok");
  });
});

describe("migration 0003", () => {
  it("applies to a database of the previous schema that has users, leaving their skeleton for the service", async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
    const sql = (name: string) =>
      readFileSync(path.join(root, "prisma/migrations", name, "migration.sql"), "utf8")
        .split(/;\s*$/m)
        .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
        .filter(Boolean);
    const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-0003-"));
    const db = await createDb({ url: `file:${path.join(dir, "old.db")}` });
    try {
      for (const name of ["0001_init", "0002_social_chat"]) for (const s of sql(name)) await db.$executeRawUnsafe(s);
      await db.$executeRawUnsafe(
        `INSERT INTO "User" ("username", "usernameKey", "passwordHash") VALUES ('Alice', 'alice', 'x'), ('al1ce', 'al1ce', 'x')`,
      );
      for (const s of sql("0003_username_skeleton")) await db.$executeRawUnsafe(s);
      const rows = await db.$queryRawUnsafe<Array<{ username: string; usernameSkeleton: string | null }>>(
        `SELECT "username", "usernameSkeleton" FROM "User" ORDER BY "id"`,
      );
      expect(rows).toEqual([
        { username: "Alice", usernameSkeleton: null },
        { username: "al1ce", usernameSkeleton: null },
      ]);
    } finally {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
