/**
 * The KeyPackages of the key directory (docs/E2E.md sections 3 and 4). Each upload is checked
 * whole before anything is written (`checkKeyPackage`: our ciphersuite, a valid signature, the
 * credential naming the signed-in user and this device, the device's registered key). A one-time
 * KeyPackage is handed out once: the claim deletes it in the statement that reads it. The device's
 * last-resort KeyPackage is handed out when no one-time one is left, and kept.
 */
import { checkKeyPackage, E2eError } from "@sealroom/e2e";
import { Prisma } from "@sealroom/db";
import { AppError } from "@sealroom/proto/errors";
import { KEYS_LIMITS, type ClaimedKeyPackage, type KeyStock } from "@sealroom/proto/keys";
import type { Clock } from "./clock.js";
import { liveSession, type SessionDevice } from "./devices.js";
import type { Store } from "./store.js";

export interface KeyPackages {
  /** Checks every package, then stores them all (or none); returns the device's stock after it. */
  upload(userId: number, device: SessionDevice, oneTime: string[], lastResort?: string): Promise<KeyStock>;
  stock(deviceId: string): Promise<KeyStock>;
  /**
   * One KeyPackage for each of the user's live devices (or of `deviceIds` among them). `missing`:
   * the devices asked for that had none, or are not the user's.
   */
  claim(userId: number, deviceIds?: string[]): Promise<{ keyPackages: ClaimedKeyPackage[]; missing: string[] }>;
}

interface CheckedPackage {
  /** The KeyPackageRef, base64url. */
  ref: string;
  /** The MLSMessage, canonical base64url. */
  data: string;
}

const invalid = (what: string, err: E2eError) =>
  new AppError(
    "KEY_PACKAGE_INVALID",
    err.code === "identity_mismatch"
      ? `${what} names another user or device, or is signed by another key than the device's.`
      : `${what} is malformed, of another ciphersuite, or badly signed.`,
  );

/** Attempts at an upload when a concurrent upload of the same packages keeps winning. */
const UPLOAD_ATTEMPTS = 3;

export function createKeyPackages({ store, clock }: { store: Store; clock: Clock }): KeyPackages {
  const check = async (
    encoded: string,
    what: string,
    userId: number,
    device: SessionDevice,
  ): Promise<CheckedPackage> => {
    const bytes = new Uint8Array(Buffer.from(encoded, "base64url"));
    try {
      if (bytes.length > KEYS_LIMITS.keyPackageBytesMax) throw new E2eError("invalid_message", "too large");
      const { ref } = await checkKeyPackage(
        bytes,
        { userId, deviceId: device.id },
        new Uint8Array(Buffer.from(device.signatureKey, "base64url")),
      );
      return { ref: Buffer.from(ref, "hex").toString("base64url"), data: Buffer.from(bytes).toString("base64url") };
    } catch (err) {
      if (err instanceof E2eError) throw invalid(what, err);
      throw err;
    }
  };

  /** The one-time packages of the device not stored yet (duplicates in the upload counted once). */
  const newOnes = async (checked: CheckedPackage[], lastResortRef: string | undefined) => {
    const unique = new Map(checked.filter((p) => p.ref !== lastResortRef).map((p) => [p.ref, p]));
    if (unique.size === 0) return [];
    const stored = await store.run((db) =>
      db.keyPackage.findMany({ where: { ref: { in: [...unique.keys()] } }, select: { ref: true } }),
    );
    for (const { ref } of stored) unique.delete(ref);
    return [...unique.values()];
  };

  const keyPackages: KeyPackages = {
    async upload(userId, device, oneTime, lastResort) {
      const checked: CheckedPackage[] = [];
      for (const [i, kp] of oneTime.entries()) checked.push(await check(kp, `KeyPackage ${i}`, userId, device));
      const last =
        lastResort === undefined ? undefined : await check(lastResort, "The last-resort KeyPackage", userId, device);

      for (let attempt = 1; ; attempt++) {
        const fresh = await newOnes(checked, last?.ref);
        // Read before the write: concurrent uploads of one device (one client makes none) could pass
        // the cap by one upload, which bounds the stock all the same.
        const before = await keyPackages.stock(device.id);
        if (before.oneTime + fresh.length > KEYS_LIMITS.oneTimeStockMax) {
          throw new AppError(
            "CONFLICT",
            `This device holds ${before.oneTime} one-time KeyPackages; at most ${KEYS_LIMITS.oneTimeStockMax}.`,
          );
        }
        const now = new Date(clock());
        const rows = fresh.map((p) => ({ ...p, deviceId: device.id, lastResort: false, createdAt: now }));
        try {
          await store.run((db) =>
            db.$transaction([
              // Fails (P2025), rolling the batch back, if the device was signed out or replaced meanwhile.
              db.device.update({ where: { id: device.id }, data: { lastActiveAt: now }, select: { id: true } }),
              ...(last
                ? [
                    db.keyPackage.deleteMany({
                      where: { deviceId: device.id, lastResort: true, ref: { not: last.ref } },
                    }),
                    db.keyPackage.upsert({
                      where: { ref: last.ref },
                      create: { ...last, deviceId: device.id, lastResort: true, createdAt: now },
                      update: { lastResort: true },
                    }),
                  ]
                : []),
              db.keyPackage.createMany({ data: rows }),
            ]),
          );
          return await keyPackages.stock(device.id);
        } catch (err) {
          if (!(err instanceof Prisma.PrismaClientKnownRequestError)) throw err;
          if (err.code === "P2025") throw new AppError("DEVICE_NOT_REGISTERED");
          // A concurrent upload stored some of the same packages first: skip those and try again.
          if (err.code !== "P2002" || attempt >= UPLOAD_ATTEMPTS) throw err;
        }
      }
    },

    async stock(deviceId) {
      const [oneTime, lastResort] = await store.run((db) =>
        db.$transaction([
          db.keyPackage.count({ where: { deviceId, lastResort: false } }),
          db.keyPackage.count({ where: { deviceId, lastResort: true } }),
        ]),
      );
      return { oneTime, lastResort: lastResort > 0 };
    },

    async claim(userId, deviceIds) {
      const now = new Date(clock());
      const devices = await store.run((db) =>
        db.device.findMany({
          where: { userId, session: liveSession(now), ...(deviceIds ? { id: { in: deviceIds } } : {}) },
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          take: KEYS_LIMITS.devicesPerUserMax,
          select: { id: true },
        }),
      );
      const found = new Set(devices.map((d) => d.id));
      const missing = [...new Set(deviceIds ?? [])].filter((id) => !found.has(id));
      const claimed: ClaimedKeyPackage[] = [];
      for (const { id } of devices) {
        const kp = await claimOne(store, id);
        if (kp) claimed.push({ deviceId: id, ...kp });
        else missing.push(id);
      }
      return { keyPackages: claimed, missing };
    },
  };
  return keyPackages;
}

/**
 * Takes the device's oldest one-time KeyPackage, or else reads its last-resort one. The one-time one
 * is deleted by the statement that selects it, so of concurrent claims on any number of hosts each
 * gets a different package or none. PostgreSQL: the row is locked by the subquery and rows another
 * claim holds are skipped (`FOR UPDATE SKIP LOCKED`), so concurrent claims take different rows
 * instead of queueing for the same one. SQLite: a statement is one write transaction; the store's
 * retry policy repeats it when another process held the write lock.
 */
async function claimOne(store: Store, deviceId: string): Promise<Omit<ClaimedKeyPackage, "deviceId"> | undefined> {
  const lock = store.engine === "postgresql" ? Prisma.sql`FOR UPDATE SKIP LOCKED` : Prisma.empty;
  const [taken] = await store.run((db) =>
    db.$queryRaw<Array<{ data: string }>>(Prisma.sql`
      DELETE FROM "KeyPackage" WHERE "ref" = (
        SELECT "ref" FROM "KeyPackage" WHERE "deviceId" = ${deviceId} AND NOT "lastResort"
        ORDER BY "createdAt", "ref" LIMIT 1 ${lock})
      RETURNING "data"`),
  );
  if (taken) return { keyPackage: taken.data, lastResort: false };
  const last = await store.run((db) =>
    db.keyPackage.findFirst({ where: { deviceId, lastResort: true }, select: { data: true } }),
  );
  return last ? { keyPackage: last.data, lastResort: true } : undefined;
}
