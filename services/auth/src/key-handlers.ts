/** The key directory's commands (auth.keys.*, docs/PROTOCOL.md section 9.7). */
import { AppError } from "@sealroom/proto/errors";
import { checkDeviceName, type KEYS_COMMANDS } from "@sealroom/proto/keys";
import { errorText, type Handlers, type KeyedTokenBucket, type Logger } from "@sealroom/runtime";
import type { Devices } from "./devices.js";
import { assertMayView, deviceAudience } from "./key-audience.js";
import type { KeyPackages } from "./key-packages.js";
import type { Sessions } from "./sessions.js";
import type { Store } from "./store.js";

export interface KeyHandlerDeps {
  store: Store;
  sessions: Sessions;
  devices: Devices;
  keyPackages: KeyPackages;
  /**
   * Claims per (claimer, claimed user): one user cannot drain another's one-time KeyPackages, and
   * someone adding a large group is not held up by it (each member is a key of its own).
   */
  claims: KeyedTokenBucket<string>;
  /** Tells these users that `userId`'s devices changed (auth.keys.devices.changed.v1). */
  devicesChanged(audience: number[], userId: number): void;
  log: Logger;
}

const noSuchDevice = () => new AppError("NOT_FOUND", "You have no such device.");

export function createKeyHandlers(deps: KeyHandlerDeps): Pick<Handlers<"auth">, keyof typeof KEYS_COMMANDS> {
  const { store, sessions, devices, keyPackages, claims, devicesChanged, log } = deps;
  /** A hint for the devices that cache this user's device list; the change stands without it. */
  const tellAudience = (userId: number) =>
    deviceAudience(store, userId).then(
      (audience) => devicesChanged(audience, userId),
      (err: unknown) => log.warn({ error: errorText(err) }, "device audience not read"),
    );
  return {
    async "auth.keys.registerDevice"(ctx, body) {
      const name = checkDeviceName(body.name);
      if (!name.ok) throw new AppError("BAD_REQUEST", "Invalid field: name");
      // A device on a session that has ended would outlive its sign-out.
      if (!(await sessions.active(ctx.userId, ctx.sessionId))) {
        throw new AppError("NOT_AUTHENTICATED", "This session has ended. Sign in again.");
      }
      const deviceId = await devices.register({
        userId: ctx.userId,
        sessionId: ctx.sessionId,
        signatureKey: body.signatureKey,
        name: name.name,
      });
      log.debug({ userId: ctx.userId }, "device registered");
      await tellAudience(ctx.userId);
      return { deviceId };
    },

    async "auth.keys.uploadKeyPackages"(ctx, body) {
      const device = await devices.ofSession(ctx.userId, ctx.sessionId);
      const stock = await keyPackages.upload(ctx.userId, device, body.keyPackages, body.lastResort);
      // The first last-resort package makes the device listed (devices.ts): now it can be added.
      if (body.lastResort !== undefined) await tellAudience(ctx.userId);
      return stock;
    },

    async "auth.keys.stock"(ctx) {
      const device = await devices.ofSession(ctx.userId, ctx.sessionId);
      return keyPackages.stock(device.id);
    },

    async "auth.keys.devices"(ctx, body) {
      await assertMayView(store, ctx.userId, body.userId);
      return { devices: await devices.list(body.userId) };
    },

    async "auth.keys.renameDevice"(ctx, body) {
      const name = checkDeviceName(body.name);
      if (!name.ok) throw new AppError("BAD_REQUEST", "Invalid field: name");
      if (!(await devices.rename(ctx.userId, body.deviceId, name.name))) throw noSuchDevice();
      await tellAudience(ctx.userId);
      return {};
    },

    async "auth.keys.removeDevice"(ctx, body) {
      const sessionId = await devices.sessionOf(ctx.userId, body.deviceId);
      if (sessionId === undefined) throw noSuchDevice();
      if (sessionId === ctx.sessionId) {
        throw new AppError("BAD_REQUEST", "This is the device you are using: sign out instead.");
      }
      // Only a live session may end another (as for auth.logout everywhere).
      if (!(await sessions.active(ctx.userId, ctx.sessionId))) {
        throw new AppError("NOT_AUTHENTICATED", "This session has ended. Sign in again.");
      }
      await sessions.revoke(ctx.userId, sessionId);
      log.info({ userId: ctx.userId }, "device signed out remotely");
      await tellAudience(ctx.userId);
      return {};
    },

    async "auth.keys.claim"(ctx, body) {
      await assertMayView(store, ctx.userId, body.userId);
      const wait = claims.take(`${ctx.userId}:${body.userId}`);
      if (wait > 0) throw new AppError("RATE_LIMITED", "Too many KeyPackage claims for this user.", wait);
      return keyPackages.claim(body.userId, body.deviceIds);
    },
  };
}
