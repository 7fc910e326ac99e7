/**
 * The key directory of end-to-end encryption (docs/E2E.md sections 3 and 4): the commands a device
 * uses to register its signature key and publish KeyPackages, and that others use to list a user's
 * devices and claim one KeyPackage per device. Answered by services/auth; documented in
 * docs/PROTOCOL.md section 9.7.
 *
 * Binary values travel as base64url without padding. The server checks each KeyPackage's signature
 * and credential (`checkKeyPackage` of @sealroom/e2e); it never sees a private key.
 */
import { z } from "zod";
import type { CommandSpec } from "./command-spec.js";
import { hasInvisible } from "./names.js";
import { idSchema as id, timestampSchema as timestamp } from "./social-model.js";
import { FORBIDDEN_IN_NAMES } from "./social.js";

export const KEYS_LIMITS = {
  /** Device names, in characters (code points) after NFC normalization and trimming. */
  deviceNameMin: 1,
  deviceNameMax: 64,
  /** One KeyPackage (an MLSMessage), decoded. Ours are about 350 bytes (docs/E2E.md section 8). */
  keyPackageBytesMax: 2048,
  /** One-time KeyPackages in one upload: 100 of ours, base64url, fit the 64 KiB message limit. */
  uploadMax: 100,
  /** One-time KeyPackages a device may hold in the directory. */
  oneTimeStockMax: 200,
  /** Devices (signed-in sessions with a registered key) per user. */
  devicesPerUserMax: 50,
} as const;

/**
 * base64url without padding of at most `maxBytes` bytes. The alphabet and the length are checked
 * here; whether the bytes are what they claim to be is the service's check.
 */
const base64url = (maxBytes: number) =>
  z
    .string()
    .min(2)
    .max(Math.ceil((maxBytes * 4) / 3))
    .regex(/^[A-Za-z0-9_-]+$/);

/** An Ed25519 public key: 32 bytes, canonical base64url (43 characters, the last with 2 zero bits). */
export const signatureKeySchema = z.string().regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/);
/** A device id: the credential's rule (docs/E2E.md section 4); the directory assigns 22 characters. */
export const deviceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** A KeyPackage as an MLSMessage, base64url. */
export const keyPackageSchema = base64url(KEYS_LIMITS.keyPackageBytesMax);

export type DeviceNameCheck = { ok: true; name: string } | { ok: false };

/**
 * NFC-normalizes and trims a device name ("Firefox on Linux"); 1-64 characters, no control, bidi
 * control or invisible characters (the rule of group names, social.ts).
 */
export function checkDeviceName(raw: string): DeviceNameCheck {
  const name = raw.normalize("NFC").trim();
  const length = [...name].length;
  if (length < KEYS_LIMITS.deviceNameMin || length > KEYS_LIMITS.deviceNameMax) return { ok: false };
  if (FORBIDDEN_IN_NAMES.test(name) || hasInvisible(name)) return { ok: false };
  return { ok: true, name };
}

/** What the directory holds for this session's device. */
export const keyStockSchema = z.object({
  /** One-time KeyPackages not yet claimed. */
  oneTime: z.number().int().nonnegative(),
  /** Whether a last-resort KeyPackage is stored. */
  lastResort: z.boolean(),
});
export type KeyStock = z.infer<typeof keyStockSchema>;

export const deviceSchema = z.object({
  deviceId: deviceIdSchema,
  userId: id,
  signatureKey: signatureKeySchema,
  name: z.string(),
  createdAt: timestamp,
  lastActiveAt: timestamp,
});
export type DeviceInfo = z.infer<typeof deviceSchema>;

export const claimedKeyPackageSchema = z.object({
  deviceId: deviceIdSchema,
  keyPackage: keyPackageSchema,
  /** The device's last-resort KeyPackage (it had no one-time one left): handed out again later. */
  lastResort: z.boolean(),
});
export type ClaimedKeyPackage = z.infer<typeof claimedKeyPackageSchema>;

const devicesMax = KEYS_LIMITS.devicesPerUserMax;

/** Key directory commands, answered by services/auth. Every one needs a signed-in connection. */
export const KEYS_COMMANDS = {
  /**
   * Register this session's device with its signature key. The same key again returns the same
   * device; another key replaces the session's device (its KeyPackages go with it).
   */
  "auth.keys.registerDevice": {
    service: "auth",
    access: "user",
    body: z.strictObject({
      signatureKey: signatureKeySchema,
      /** Checked by the service (checkDeviceName); the gateway bounds only the length. */
      name: z.string().max(KEYS_LIMITS.deviceNameMax * 8),
    }),
    value: z.object({ deviceId: deviceIdSchema }),
  },
  /** Publish one-time KeyPackages and optionally a new last-resort one; returns the stock after it. */
  "auth.keys.uploadKeyPackages": {
    service: "auth",
    access: "user",
    body: z.strictObject({
      keyPackages: z.array(keyPackageSchema).max(KEYS_LIMITS.uploadMax),
      lastResort: keyPackageSchema.optional(),
    }),
    value: keyStockSchema,
  },
  /** What the directory holds for this session's device (refill when low). */
  "auth.keys.stock": { service: "auth", access: "user", body: z.strictObject({}), value: keyStockSchema },
  /** A user's devices: for the user themself, a friend, or a member of a group they are in. */
  "auth.keys.devices": {
    service: "auth",
    access: "user",
    body: z.strictObject({ userId: id }),
    value: z.object({ devices: z.array(deviceSchema).max(devicesMax) }),
  },
  /**
   * Renames one of the user's own devices (the name others and the user see in device lists). A
   * device keeps the name it was given: signing in again does not change it.
   */
  "auth.keys.renameDevice": {
    service: "auth",
    access: "user",
    body: z.strictObject({ deviceId: deviceIdSchema, name: z.string().max(KEYS_LIMITS.deviceNameMax * 8) }),
    value: z.object({}),
  },
  /**
   * Signs out one of the user's other devices, from this one: its session is revoked (its sockets
   * close, its tickets stop working), its device and KeyPackages are deleted, and the chat service
   * removes it from every conversation's group. The calling session's own device: auth.logout.
   */
  "auth.keys.removeDevice": {
    service: "auth",
    access: "user",
    body: z.strictObject({ deviceId: deviceIdSchema }),
    value: z.object({}),
  },
  /**
   * One KeyPackage per device of a user (or of the listed devices): a one-time one, handed out once,
   * or the last-resort one when none is left. Same audience as auth.keys.devices.
   */
  "auth.keys.claim": {
    service: "auth",
    access: "user",
    body: z.strictObject({ userId: id, deviceIds: z.array(deviceIdSchema).min(1).max(devicesMax).optional() }),
    value: z.object({
      keyPackages: z.array(claimedKeyPackageSchema).max(devicesMax),
      /** Devices asked for that had no KeyPackage at all, or are not (any longer) the user's. */
      missing: z.array(deviceIdSchema).max(devicesMax),
    }),
  },
} as const satisfies Record<string, CommandSpec>;

/**
 * Events of the key directory (`evt.user.<id>`, forwarded by the gateways as `{t:"event", type, body}`).
 * `auth.keys.devices.changed.v1`: to the user and everyone who may list their devices (friends,
 * members of a group with them) when the user registers a device (a new one, or the same key again
 * at a sign-in), renames or removes one: a hint to drop a cached device list (the SDK's engine adds a new device at its next
 * send). A hint only: lost or late, the cache's age bounds it.
 */
export const KEYS_EVENTS = {
  "auth.keys.devices.changed.v1": z.object({ userId: id }),
} as const;
export type KeysEventType = keyof typeof KEYS_EVENTS;
