/**
 * End-to-end encryption devices (docs/E2E.md section 4): one per session, registered with the
 * device's Ed25519 signature key. Signing a session out deletes its device (sessions.ts,
 * accounts.ts), and the KeyPackages and Welcomes go with it (foreign keys, ON DELETE CASCADE).
 */
import { randomBytes } from "node:crypto";
import { Prisma } from "@sealroom/db";
import { AppError } from "@sealroom/proto/errors";
import { KEYS_LIMITS, type DeviceInfo } from "@sealroom/proto/keys";
import type { Clock } from "./clock.js";
import type { Store } from "./store.js";

/** The device registered on a session. */
export interface SessionDevice {
  id: string;
  signatureKey: string;
}

export interface Devices {
  /**
   * Registers the session's device and returns its id. The same key again returns the same id (a
   * lost reply is safe to repeat); another key replaces the device, with a new id: a device that
   * lost its state is a new device.
   */
  register(device: { userId: number; sessionId: string; signatureKey: string; name: string }): Promise<string>;
  /** The session's device, or DEVICE_NOT_REGISTERED. */
  ofSession(userId: number, sessionId: string): Promise<SessionDevice>;
  /** The user's devices on live sessions that have uploaded their KeyPackages, oldest first. */
  list(userId: number): Promise<DeviceInfo[]>;
  /** Renames the user's live device; false when the user has no such device. */
  rename(userId: number, deviceId: string, name: string): Promise<boolean>;
  /** The session of the user's live device `deviceId`, if there is one. */
  sessionOf(userId: number, deviceId: string): Promise<string | undefined>;
  /** Deletes the devices of revoked and expired sessions (a sign-out deletes them already). */
  sweep(): Promise<number>;
}

/** 16 random bytes, base64url (22 characters): the credential's deviceId. */
export function newDeviceId(): string {
  return randomBytes(16).toString("base64url");
}

/** A session that can still be used: neither revoked nor expired. */
export const liveSession = (now: Date) => ({ revokedAt: null, expiresAt: { gt: now } });

const notRegistered = () => new AppError("DEVICE_NOT_REGISTERED");

/** Attempts at registering when concurrent registrations of the same session keep winning. */
const REGISTER_ATTEMPTS = 3;

export function createDevices({ store, clock }: { store: Store; clock: Clock }): Devices {
  const devices: Devices = {
    async register({ userId, sessionId, signatureKey, name }) {
      for (let attempt = 1; ; attempt++) {
        const now = new Date(clock());
        const existing = await store.run((db) =>
          db.device.findUnique({ where: { sessionId }, select: { id: true, signatureKey: true } }),
        );
        if (existing?.signatureKey === signatureKey) {
          // The name stays: the user may have renamed the device since it chose one.
          await store.run((db) => db.device.updateMany({ where: { id: existing.id }, data: { lastActiveAt: now } }));
          return existing.id;
        }
        const others = await store.run((db) =>
          db.device.count({ where: { userId, sessionId: { not: sessionId }, session: liveSession(now) } }),
        );
        if (others >= KEYS_LIMITS.devicesPerUserMax) {
          throw new AppError(
            "CONFLICT",
            `You have ${KEYS_LIMITS.devicesPerUserMax} devices already. Sign out of one you no longer use.`,
          );
        }
        const id = newDeviceId();
        try {
          // Replaces exactly the device read above: if another registration of this session got in
          // between, the create violates the unique sessionId and the next attempt sees its device.
          await store.run((db) =>
            db.$transaction([
              db.device.deleteMany({ where: { sessionId, id: existing?.id ?? id } }),
              db.device.create({
                data: { id, userId, sessionId, signatureKey, name, createdAt: now, lastActiveAt: now },
              }),
            ]),
          );
          return id;
        } catch (err) {
          const raced = err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
          if (!raced || attempt >= REGISTER_ATTEMPTS) throw err;
        }
      }
    },

    async ofSession(userId, sessionId) {
      const device = await store.run((db) =>
        db.device.findUnique({ where: { sessionId }, select: { id: true, userId: true, signatureKey: true } }),
      );
      if (!device || device.userId !== userId) throw notRegistered();
      return { id: device.id, signatureKey: device.signatureKey };
    },

    async list(userId) {
      const now = new Date(clock());
      const rows = await store.run((db) =>
        db.device.findMany({
          // Listed once it can be added to a group: a device between its registration and its first
          // upload could not be, and a member sending then would leave it out of that message.
          where: { userId, session: liveSession(now), keyPackages: { some: { lastResort: true } } },
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          take: KEYS_LIMITS.devicesPerUserMax,
          select: { id: true, signatureKey: true, name: true, createdAt: true, lastActiveAt: true },
        }),
      );
      return rows.map((d) => ({
        deviceId: d.id,
        userId,
        signatureKey: d.signatureKey,
        name: d.name,
        createdAt: d.createdAt.getTime(),
        lastActiveAt: d.lastActiveAt.getTime(),
      }));
    },

    async rename(userId, deviceId, name) {
      const now = new Date(clock());
      const { count } = await store.run((db) =>
        db.device.updateMany({ where: { id: deviceId, userId, session: liveSession(now) }, data: { name } }),
      );
      return count > 0;
    },

    async sessionOf(userId, deviceId) {
      const now = new Date(clock());
      const device = await store.run((db) =>
        db.device.findFirst({
          where: { id: deviceId, userId, session: liveSession(now) },
          select: { sessionId: true },
        }),
      );
      return device?.sessionId;
    },

    async sweep() {
      const now = new Date(clock());
      const { count } = await store.run((db) =>
        db.device.deleteMany({
          where: { session: { OR: [{ revokedAt: { not: null } }, { expiresAt: { lte: now } }] } },
        }),
      );
      return count;
    },
  };
  return devices;
}
