/**
 * The history backup's key and device messages (auth.backup.*, docs/PROTOCOL.md section 9.8). The
 * server keeps the backup key's version, its key check and the passphrase wrap, never the key; it
 * relays device messages without reading them (the SDK seals what must stay secret).
 *
 * Races between the user's devices are settled by conditional statements (store.ts): the first
 * key is an INSERT (a second one violates the primary key), a rotation an UPDATE of exactly the
 * version it replaces, so of two devices racing one wins and the other gets CONFLICT.
 */
import { Prisma } from "@sealroom/db";
import {
  BACKUP_LIMITS,
  passphraseWrapSchema,
  type BACKUP_AUTH_COMMANDS,
  type DeviceKeyWrap,
  type PassphraseWrap,
} from "@sealroom/proto/backup";
import { AppError } from "@sealroom/proto/errors";
import type { Handlers, KeyedTokenBucket, Logger } from "@sealroom/runtime";
import type { Devices } from "./devices.js";
import type { PublishBackupEvent } from "./revocations.js";
import type { Store } from "./store.js";

export interface BackupHandlerDeps {
  store: Store;
  devices: Devices;
  /** auth.backup.deviceMessage per user. */
  deviceMessages: KeyedTokenBucket<number>;
  publish: PublishBackupEvent;
  log: Logger;
}

const rotatedMeanwhile = () =>
  new AppError("CONFLICT", "The backup key changed meanwhile: read auth.backup.status and use the current one.");

/** The wrap as stored: the JSON of what the schema accepted. */
const wrapText = (wrap: PassphraseWrap | null) => (wrap === null ? null : JSON.stringify(wrap));

/** A stored wrap; null if it no longer parses (never expected: only validated wraps are stored). */
function wrapOf(text: string | null, log: Logger): PassphraseWrap | null {
  if (text === null) return null;
  try {
    const parsed = passphraseWrapSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // Reported below.
  }
  log.error("stored passphrase wrap does not parse");
  return null;
}

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";

/**
 * A rotation: the key of `version - 1` is replaced, the link back stored, the wraps to the
 * remaining devices replace the last rotation's. The link's primary key (user, version) settles a
 * race: of two devices rotating the same version one inserts it, the other gets CONFLICT.
 */
function rotation(deps: BackupHandlerDeps) {
  const { store, devices } = deps;
  return async (
    ctx: { userId: number; sessionId: string },
    version: number,
    data: { version: number; check: string; passphrase: string | null },
    previous: string | undefined,
    wraps: DeviceKeyWrap[],
  ): Promise<void> => {
    const { userId } = ctx;
    if (previous === undefined) {
      throw new AppError("BAD_REQUEST", "A rotation carries the link back to the key it replaces.");
    }
    if (new Set(wraps.map((w) => w.deviceId)).size !== wraps.length) {
      throw new AppError("BAD_REQUEST", "Two wraps name the same device.");
    }
    for (const w of wraps) {
      const session = await devices.sessionOf(userId, w.deviceId);
      // The caller holds the key already; a removed device must not get it.
      if (session === undefined || session === ctx.sessionId) {
        throw new AppError("NOT_FOUND", "A wrap names a device that is not another of yours.");
      }
    }
    const current = await store.run((db) => db.backupKey.findUnique({ where: { userId }, select: { version: true } }));
    if (current?.version !== version - 1) throw rotatedMeanwhile();
    const now = new Date();
    try {
      await store.run((db) =>
        db.$transaction([
          db.backupKeyLink.create({ data: { userId, version, sealed: previous, createdAt: now } }),
          db.backupKey.updateMany({ where: { userId, version: version - 1 }, data }),
          db.backupDeviceWrap.deleteMany({ where: { userId } }),
          db.backupDeviceWrap.createMany({ data: wraps.map((w) => ({ ...w, userId, version, createdAt: now })) }),
        ]),
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw rotatedMeanwhile();
      throw err;
    }
  };
}

export function createBackupHandlers(
  deps: BackupHandlerDeps,
): Pick<Handlers<"auth">, keyof typeof BACKUP_AUTH_COMMANDS> {
  const { store, devices, deviceMessages, publish, log } = deps;
  const rotate = rotation(deps);
  return {
    async "auth.backup.status"(ctx) {
      const { userId, sessionId } = ctx;
      const row = await store.run((db) => db.backupKey.findUnique({ where: { userId } }));
      if (!row) return { key: null, wrap: null, links: [] };
      const [wrap, links] = await store.run((db) =>
        Promise.all([
          db.backupDeviceWrap.findFirst({
            where: { userId, version: row.version, device: { sessionId } },
            select: { keyPackageRef: true, enc: true, sealed: true },
          }),
          db.backupKeyLink.findMany({
            where: { userId },
            orderBy: { version: "desc" },
            take: BACKUP_LIMITS.linksMax,
            select: { version: true, sealed: true },
          }),
        ]),
      );
      const key = { version: row.version, check: row.check, passphrase: wrapOf(row.passphrase, log) };
      return { key, wrap, links };
    },

    async "auth.backup.create"(ctx, body) {
      const { userId } = ctx;
      const data = { version: body.version, check: body.check, passphrase: wrapText(body.passphrase) };
      if (body.version === 1) {
        if (body.previous !== undefined || body.wraps !== undefined) {
          throw new AppError("BAD_REQUEST", "The first backup key has nothing to link back to or hand over.");
        }
        try {
          await store.run((db) => db.backupKey.create({ data: { userId, ...data } }));
        } catch (err) {
          if (isUniqueViolation(err)) throw rotatedMeanwhile();
          throw err;
        }
      } else {
        await rotate(ctx, body.version, data, body.previous, body.wraps ?? []);
      }
      log.info({ userId, version: body.version }, "backup key recorded");
      publish(userId, "auth.backup.changed.v1", { version: body.version });
      return {};
    },

    async "auth.backup.setPassphrase"(ctx, body) {
      const { userId } = ctx;
      const { count } = await store.run((db) =>
        db.backupKey.updateMany({
          where: { userId, version: body.version },
          data: { passphrase: wrapText(body.passphrase) },
        }),
      );
      if (count === 0) {
        const current = await store.run((db) =>
          db.backupKey.findUnique({ where: { userId }, select: { userId: true } }),
        );
        if (!current) throw new AppError("NOT_FOUND", "You have no backup key yet.");
        throw rotatedMeanwhile();
      }
      log.info({ userId, version: body.version, passphrase: body.passphrase !== null }, "backup passphrase set");
      publish(userId, "auth.backup.changed.v1", { version: body.version });
      return {};
    },

    async "auth.backup.deviceMessage"(ctx, body) {
      const { userId } = ctx;
      // Charged before any query: a flood costs the database nothing.
      const wait = deviceMessages.take(userId);
      if (wait > 0) throw new AppError("RATE_LIMITED", "Too many device messages.", wait);
      const from = await devices.ofSession(userId, ctx.sessionId);
      if (body.toDeviceId !== null) {
        if (body.toDeviceId === from.id) throw new AppError("BAD_REQUEST", "A device does not message itself.");
        if ((await devices.sessionOf(userId, body.toDeviceId)) === undefined) {
          throw new AppError("NOT_FOUND", "You have no such device.");
        }
      }
      publish(userId, "auth.backup.deviceMessage.v1", {
        fromDeviceId: from.id,
        toDeviceId: body.toDeviceId,
        body: body.body,
      });
      return {};
    },
  };
}
