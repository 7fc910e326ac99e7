/**
 * The key directory as the engine reads it (docs/E2E.md, "The SDK engine"): each user's devices
 * (`auth.keys.devices`) and each group's member list (`social.groups.get`), kept between sends so a
 * message does not cost one request per member user. A list is dropped when something says it
 * changed: auth.keys.devices.changed.v1 (a user registered a device), a social event (friendship or
 * group membership), an MLS commit or proposal read from a conversation; and in any case after
 * `maxAgeMs`, since events are hints that can be lost. The same lists check every leaf this device
 * accepts into a group (`check`).
 */
import type { MemberIdentity } from "@sealroom/e2e";
import { parseConversationId } from "@sealroom/proto/chat";
import { AppError } from "@sealroom/proto/errors";
import type { SealroomClient } from "../client.js";
import { fromB64 } from "./base64url.js";

/** A registered device as the directory lists it. */
export interface ListedDevice {
  deviceId: string;
  signatureKey: Uint8Array;
}

/** What the directory says of a leaf: its key, another key, or no such device listed. */
export type LeafVerdict = "match" | "mismatch" | "unlisted";

interface Cached<T> {
  value: Promise<T>;
  at: number;
}

/** Default lifetime of a cached list: how late a peer's new device may be added at worst. */
export const DEVICE_CACHE_MS = 30_000;

export class DeviceDirectory {
  private readonly devices = new Map<number, Cached<ListedDevice[] | undefined>>();
  private readonly members = new Map<number, Cached<number[]>>();
  /** Requests made to the directory and to social (what the cache saves; read by tests and the bench). */
  requests = 0;

  constructor(
    private readonly client: Pick<SealroomClient, "request">,
    private readonly maxAgeMs = DEVICE_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Forgets one user's devices (the directory said they changed). */
  forget(userId: number): void {
    this.devices.delete(userId);
  }

  /** Forgets every list: membership or devices may have changed. */
  invalidate(): void {
    this.devices.clear();
    this.members.clear();
  }

  /** The users who may be in the conversation now (a DM: both; a group: social's member list). */
  async conversationMembers(conversationId: string): Promise<number[]> {
    const ref = parseConversationId(conversationId);
    if (!ref) throw new AppError("BAD_REQUEST", "Not a conversation id.");
    if (ref.kind === "dm") return [ref.low, ref.high];
    return this.cached(this.members, ref.groupId, async () => {
      this.requests++;
      const detail = await this.client.request("social.groups.get", { groupId: ref.groupId });
      return detail.members.map((m) => m.user.id);
    });
  }

  /** A user's registered devices, or undefined when the directory does not show them (NOT_FOUND). */
  devicesOf(userId: number, fresh = false): Promise<ListedDevice[] | undefined> {
    if (fresh) this.devices.delete(userId);
    return this.cached(this.devices, userId, async () => {
      this.requests++;
      try {
        const { devices } = await this.client.request("auth.keys.devices", { userId });
        return devices.map((d) => ({ deviceId: d.deviceId, signatureKey: fromB64(d.signatureKey) }));
      } catch (err) {
        // No longer a friend or co-member: not one to add, and nothing to check a leaf against.
        if (err instanceof AppError && err.code === "NOT_FOUND") return undefined;
        throw err;
      }
    });
  }

  /**
   * A leaf's key against the directory: asked again once before saying it differs or is missing,
   * so a device registered since the list was cached is not mistaken for an impostor.
   */
  async check(member: MemberIdentity, signatureKey: Uint8Array): Promise<LeafVerdict> {
    const verdict = verdictOf(await this.devicesOf(member.userId), member, signatureKey);
    if (verdict === "match") return verdict;
    return verdictOf(await this.devicesOf(member.userId, true), member, signatureKey);
  }

  private cached<K, T>(map: Map<K, Cached<T>>, key: K, load: () => Promise<T>): Promise<T> {
    const held = map.get(key);
    if (held && this.now() - held.at < this.maxAgeMs) return held.value;
    const value = load();
    const entry = { value, at: this.now() };
    map.set(key, entry);
    // A failure is not kept: the next caller asks again.
    value.catch(() => map.get(key) === entry && map.delete(key));
    return value;
  }
}

function verdictOf(devices: ListedDevice[] | undefined, member: MemberIdentity, key: Uint8Array): LeafVerdict {
  const listed = devices?.find((d) => d.deviceId === member.deviceId);
  if (!listed) return "unlisted";
  return sameBytes(listed.signatureKey, key) ? "match" : "mismatch";
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
