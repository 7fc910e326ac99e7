/**
 * Profile and group pictures by version (docs/protocol/social.md, "Avatars"): a profile or a group
 * names its picture's version, and the bytes of one version never change, so each is fetched once,
 * shared by everyone who asks for it meanwhile, and kept (the most recently used `capacity` of them).
 */
import { AppError } from "@sealroom/proto/errors";
import type { AvatarMime } from "@sealroom/proto/social";
import type { SealroomClient } from "./client.js";

/** Whose picture: a user's (social.profiles.avatar) or a group's (social.groups.avatar). */
export type AvatarOwner = { userId: number } | { groupId: number };

export type AvatarPicture = AvatarOwner & {
  version: string;
  mime: AvatarMime;
  bytes: Uint8Array;
};

export type AvatarClient = Pick<SealroomClient, "request">;

/** How often a fetch waits out RATE_LIMITED before giving up (the picture's initial stays). */
const RATE_LIMIT_ATTEMPTS = 4;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function decodeBase64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function encodeBase64url(bytes: Uint8Array): string {
  let binary = "";
  // In slices: String.fromCharCode's arguments are limited.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class AvatarCache {
  /** Insertion order is use order: the first key is the least recently used. */
  private readonly entries = new Map<string, Promise<AvatarPicture | undefined>>();

  constructor(
    private readonly client: AvatarClient,
    private readonly capacity = 200,
  ) {}

  /**
   * The picture of `userId` at `version`, or undefined when the server has none to show the caller
   * (removed or changed since, or no longer visible: NOT_FOUND) or keeps refusing. Never throws.
   */
  get(userId: number, version: string): Promise<AvatarPicture | undefined> {
    return this.load({ userId }, version);
  }

  /** The picture of group `groupId` at `version`, as get() does for a user's. */
  getGroup(groupId: number, version: string): Promise<AvatarPicture | undefined> {
    return this.load({ groupId }, version);
  }

  private load(owner: AvatarOwner, version: string): Promise<AvatarPicture | undefined> {
    const key = "userId" in owner ? `u${owner.userId}:${version}` : `g${owner.groupId}:${version}`;
    const held = this.entries.get(key);
    if (held) {
      this.entries.delete(key);
      this.entries.set(key, held);
      return held;
    }
    const fetched = this.fetch(owner);
    this.entries.set(key, fetched);
    // A failure is not kept: the next render may ask again (after a reconnect, say).
    void fetched.then((p) => {
      if (!p && this.entries.get(key) === fetched) this.entries.delete(key);
    });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
    return fetched;
  }

  /** Forgets everything (signing out: the next user may not see these pictures). */
  clear(): void {
    this.entries.clear();
  }

  private async fetch(owner: AvatarOwner): Promise<AvatarPicture | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { avatar } =
          "userId" in owner
            ? await this.client.request("social.profiles.avatar", { userId: owner.userId })
            : await this.client.request("social.groups.avatar", { groupId: owner.groupId });
        // The picture changed since the profile or group was read: show what is there now, it is newer.
        return { ...owner, version: avatar.version, mime: avatar.mime, bytes: decodeBase64url(avatar.data) };
      } catch (err) {
        const limited = err instanceof AppError && err.code === "RATE_LIMITED";
        if (!limited || attempt >= RATE_LIMIT_ATTEMPTS) return undefined;
        await wait(err.retryAfterMs ?? 1000);
      }
    }
  }
}
