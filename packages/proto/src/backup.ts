/**
 * The encrypted history backup (issue #18; docs/E2E.md section 12, docs/PROTOCOL.md section 9.8):
 * what lets a user's new device read what was said before it joined, without the server reading
 * it.
 *
 * - **The backup key**: 32 random bytes per user, made by the user's first device and held only by
 *   the user's devices. The server (auth) keeps its version, a key check (HMAC-SHA-256 of a fixed
 *   label under the key: a device that unwraps a key can tell it is the right one, the server
 *   learns nothing from it) and, if the user set a recovery passphrase, the key wrapped under an
 *   argon2id-derived key.
 * - **The archive** (chat): each device that reads a message seals its content under the backup
 *   key and stores it at the message's (conversation, seq), once; a device that holds the key
 *   reads there what it cannot decrypt with MLS (sent before it joined).
 * - **Device messages** (auth): an opaque relay between one user's devices, which the approval of
 *   a new device runs over (the SDK's protocol; the server sees only who talks to whom).
 *
 * Binary values travel as base64url without padding.
 */
import { z } from "zod";
import { conversationIdSchema } from "./chat-ids.js";
import type { CommandSpec } from "./command-spec.js";
import { deviceIdSchema } from "./keys.js";

export const BACKUP_LIMITS = {
  /** Bytes of one sealed archive entry (a nonce, the sealed content and its tag), decoded. */
  entryBytesMax: 40 * 1024,
  /** Entries in one chat.backup.put. The SDK also keeps a put under ~48 KiB (the 64 KiB command limit). */
  putMax: 50,
  /** Seqs one chat.backup.get covers (toSeq - fromSeq + 1). */
  getRangeMax: 500,
  /** Bytes of a wrapped backup key (a nonce, 32 key bytes, the version, a tag), decoded. */
  wrappedBytesMax: 128,
  /** Characters of one device message's body (the SDK's JSON). */
  deviceMessageMax: 4096,
  /** argon2id parameters a passphrase wrap may name: bounded so a device is not made to hang. */
  kdfMemoryKiBMin: 19 * 1024,
  kdfMemoryKiBMax: 1024 * 1024,
  kdfIterationsMax: 10,
  kdfParallelismMax: 8,
  /** Wraps in one rotation: one per other device of the user (the key directory's device cap). */
  wrapsMax: 50,
  /** Links back auth.backup.status returns: a device opens the keys of the last this many rotations. */
  linksMax: 64,
} as const;

/**
 * base64url without padding of `min`..`max` decoded bytes (the exact decoding is the reader's check).
 * The pattern repeats the bounds, so that a generator of matching strings (the commands' fuzz
 * test) makes strings of a valid length.
 */
const base64url = (minBytes: number, maxBytes: number) => {
  const min = Math.ceil((minBytes * 4) / 3);
  const max = Math.ceil((maxBytes * 4) / 3);
  return z
    .string()
    .min(min)
    .max(max)
    .regex(new RegExp(`^[A-Za-z0-9_-]{${min},${max}}$`), "base64url without padding");
};

/** A backup key's version: 1 for a user's first, one more at each rotation. */
export const backupKeyVersionSchema = z.number().int().min(1).max(1_000_000);

/** HMAC-SHA-256 under the backup key of the ASCII label "sealroom backup key check v1": 32 bytes. */
export const backupKeyCheckSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** The backup key wrapped under a key derived from the user's recovery passphrase. */
export const passphraseWrapSchema = z.strictObject({
  kdf: z.literal("argon2id"),
  /** 16 random bytes. */
  salt: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  memoryKiB: z.number().int().min(BACKUP_LIMITS.kdfMemoryKiBMin).max(BACKUP_LIMITS.kdfMemoryKiBMax),
  iterations: z.number().int().min(1).max(BACKUP_LIMITS.kdfIterationsMax),
  parallelism: z.number().int().min(1).max(BACKUP_LIMITS.kdfParallelismMax),
  /** AES-256-GCM of the key: a 12-byte nonce, then the ciphertext and tag. */
  wrapped: base64url(12 + 16, BACKUP_LIMITS.wrappedBytesMax),
});
export type PassphraseWrap = z.infer<typeof passphraseWrapSchema>;

export const backupKeyInfoSchema = z.object({
  version: backupKeyVersionSchema,
  check: backupKeyCheckSchema,
  /** Set when the user has a recovery passphrase. */
  passphrase: passphraseWrapSchema.nullable(),
});
export type BackupKeyInfo = z.infer<typeof backupKeyInfoSchema>;

/**
 * A rotation's link back: the key of `version - 1` sealed under the key of `version` (AES-256-GCM:
 * a 12-byte nonce, the 32 key bytes, the tag), so a device that gets the newest key opens the older
 * ones, and the archive entries sealed under them, too.
 */
export const backupKeyLinkSchema = z.object({
  version: backupKeyVersionSchema,
  sealed: base64url(12 + 32 + 16, 12 + 32 + 16),
});
export type BackupKeyLink = z.infer<typeof backupKeyLinkSchema>;

/**
 * A rotated key sealed to one of the user's remaining devices: HPKE (the MLS ciphersuite's) to the
 * init key of a KeyPackage of that device, which the rotating device claimed and checked against
 * the directory (docs/E2E.md section 12, "Rotation").
 */
export const deviceKeyWrapSchema = z.strictObject({
  deviceId: deviceIdSchema,
  /** The KeyPackageRef (32 bytes) the key is sealed to. */
  keyPackageRef: base64url(32, 32),
  /** The HPKE encapsulated key: an X25519 public key. */
  enc: base64url(32, 32),
  /** The HPKE ciphertext of the 32 key bytes (with its 16-byte tag). */
  sealed: base64url(32 + 16, 32 + 16),
});
export type DeviceKeyWrap = z.infer<typeof deviceKeyWrapSchema>;

/** One sealed archive entry: the content read at `seq` of a conversation, under key `keyVersion`. */
export const archiveEntrySchema = z.object({
  seq: z.number().int().positive(),
  keyVersion: backupKeyVersionSchema,
  sealed: base64url(12 + 16, BACKUP_LIMITS.entryBytesMax),
});
export type ArchiveEntry = z.infer<typeof archiveEntrySchema>;

/** Commands of the backup key and device messages, answered by services/auth. */
export const BACKUP_AUTH_COMMANDS = {
  /** The user's current backup key as the server keeps it; `key` null: the user has none yet. */
  "auth.backup.status": {
    service: "auth",
    access: "user",
    body: z.strictObject({}),
    value: z.object({
      key: backupKeyInfoSchema.nullable(),
      /** The current key sealed to the calling session's device by the rotation that made it, if any. */
      wrap: deviceKeyWrapSchema.omit({ deviceId: true }).nullable(),
      /** The links back from the current version, newest first (at most linksMax). */
      links: z.array(backupKeyLinkSchema).max(BACKUP_LIMITS.linksMax),
    }),
  },
  /**
   * Records a new backup key: the first (version 1) or a rotation (the current version + 1, which
   * replaces the current one and its passphrase wrap). Any other version: CONFLICT (another device
   * was first: read auth.backup.status and take theirs). A rotation carries `previous`, the link
   * back to the key it replaces (BAD_REQUEST without it), and `wraps`, the new key sealed to each
   * remaining device of the user (NOT_FOUND when one is not the user's live device, or is the
   * caller's own; BAD_REQUEST for two wraps to one device); version 1 carries neither.
   */
  "auth.backup.create": {
    service: "auth",
    access: "user",
    body: z.strictObject({
      version: backupKeyVersionSchema,
      check: backupKeyCheckSchema,
      passphrase: passphraseWrapSchema.nullable(),
      previous: backupKeyLinkSchema.shape.sealed.optional(),
      wraps: z.array(deviceKeyWrapSchema).max(BACKUP_LIMITS.wrapsMax).optional(),
    }),
    value: z.object({}),
  },
  /**
   * Sets (or, with null, removes) the recovery passphrase's wrap of the current key. CONFLICT when
   * `version` is not the current one (the key was rotated meanwhile); NOT_FOUND when there is none.
   */
  "auth.backup.setPassphrase": {
    service: "auth",
    access: "user",
    body: z.strictObject({ version: backupKeyVersionSchema, passphrase: passphraseWrapSchema.nullable() }),
    value: z.object({}),
  },
  /**
   * Sends `body` to one of the user's own devices (`toDeviceId`), or to all of them but this one
   * (null), as the event auth.backup.deviceMessage.v1. The calling session must have a registered
   * device; NOT_FOUND when `toDeviceId` is not one of the user's. Delivered to the devices online
   * now, never stored: the SDK's protocols send again while they wait.
   */
  "auth.backup.deviceMessage": {
    service: "auth",
    access: "user",
    body: z.strictObject({
      toDeviceId: deviceIdSchema.nullable(),
      body: z.string().min(1).max(BACKUP_LIMITS.deviceMessageMax),
    }),
    value: z.object({}),
  },
} as const satisfies Record<string, CommandSpec>;

/** Commands of the history archive, answered by services/chat. Only ever the caller's own archive. */
export const BACKUP_CHAT_COMMANDS = {
  /**
   * Stores entries of the caller's archive for a conversation the caller can read, each at the
   * seq of an application message of its log. An entry already stored at a seq stays (the content
   * at a seq never changes: the first device to store it is as good as any). `stored`: the entries
   * new. BAD_REQUEST for a seq that is not an application message the caller can see;
   * QUOTA_EXCEEDED beyond the operator's archive quota.
   */
  "chat.backup.put": {
    service: "chat",
    access: "user",
    body: z.strictObject({
      conversationId: conversationIdSchema,
      entries: z.array(z.strictObject(archiveEntrySchema.shape)).min(1).max(BACKUP_LIMITS.putMax),
    }),
    value: z.object({ stored: z.number().int().nonnegative() }),
  },
  /**
   * Deletes the caller's own archive entries at these seqs of a conversation (a message deleted for
   * everyone: each member's devices delete their own copy when they read the delete). `deleted`:
   * the entries there were. Seqs with none, or a conversation unknown to the caller, delete nothing.
   */
  "chat.backup.delete": {
    service: "chat",
    access: "user",
    body: z.strictObject({
      conversationId: conversationIdSchema,
      seqs: z.array(z.number().int().positive()).min(1).max(BACKUP_LIMITS.putMax),
    }),
    value: z.object({ deleted: z.number().int().nonnegative() }),
  },
  /**
   * The caller's archive entries of a conversation with fromSeq <= seq <= toSeq, in seq order.
   * BAD_REQUEST unless fromSeq <= toSeq < fromSeq + getRangeMax (checked by the service: the
   * commands' schemas bound each field, not relations between fields).
   */
  "chat.backup.get": {
    service: "chat",
    access: "user",
    body: z.strictObject({
      conversationId: conversationIdSchema,
      fromSeq: z.number().int().positive(),
      toSeq: z.number().int().positive(),
    }),
    value: z.object({ entries: z.array(archiveEntrySchema).max(BACKUP_LIMITS.getRangeMax) }),
  },
} as const satisfies Record<string, CommandSpec>;

/**
 * `auth.backup.deviceMessage.v1`: to every socket of the user (`evt.user.<id>`); the device named
 * by `toDeviceId` (or, when null, every device but the sender) takes it. `fromDeviceId` is the
 * server's word for the sending session's device.
 */
export const BACKUP_EVENTS = {
  "auth.backup.deviceMessage.v1": z.object({
    fromDeviceId: deviceIdSchema,
    toDeviceId: deviceIdSchema.nullable(),
    body: z.string().max(BACKUP_LIMITS.deviceMessageMax),
  }),
  /** The user's backup key changed (created, rotated, passphrase set or removed): read the status again. */
  "auth.backup.changed.v1": z.object({ version: backupKeyVersionSchema }),
} as const;
export type BackupEventType = keyof typeof BACKUP_EVENTS;
