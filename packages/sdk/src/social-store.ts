/**
 * SocialStore: the signed-in user's friends (with live presence), requests, blocks, groups,
 * invitations and notices, kept current from social events and reloaded with social.overview after
 * every sign-in (a reconnect resumes the session and signs in again). An observable store for UIs:
 *
 *   const social = new SocialStore(client);
 *   social.start();
 *   const snapshot = useSyncExternalStore(social.subscribe, social.getSnapshot);   // React
 *   await social.acceptRequest(requestId);
 *
 * Actions apply their reply at once (the matching events arrive later and change nothing), so a UI
 * never waits for an event to see the result of its own command.
 *
 * This class does the I/O (loading, commands, group reads) and notifies; what each overview, event
 * and reply changes is in social-state.ts.
 */
import type { PublicUser } from "@sealroom/proto/auth";
import { AppError } from "@sealroom/proto/errors";
import { SOCIAL_LIMITS } from "@sealroom/proto/social";
import type { Friend, GroupDetail, GroupInfo, Overview, Profile } from "@sealroom/proto/social";
import { AvatarCache, encodeBase64url, type AvatarPicture } from "./avatar-cache.js";
import type { SealroomClient } from "./client.js";
import { ChangeNotifier } from "./notifier.js";
import { parseSocialEvent, type SocialEvent } from "./social.js";
import { SocialState, type GroupGoneReason, type SocialSnapshot, type SocialStatus } from "./social-state.js";

export {
  displayNameOf,
  roleAfter,
  type GroupGoneReason,
  type SocialSnapshot,
  type SocialStatus,
} from "./social-state.js";

export type SocialStoreClient = Pick<SealroomClient, "on" | "request" | "call" | "state" | "user">;

const LOAD_ATTEMPTS = 6;

export class SocialStore {
  private status: SocialStatus = "offline";
  /** Friends, requests, blocks, groups...: the lists and the rules that change them. */
  private readonly state = new SocialState();
  private readonly refreshing = new Map<number, { run: Promise<void>; again: boolean }>();
  private readonly notifier = new ChangeNotifier();
  private snapshot: SocialSnapshot | undefined;
  private offs: Array<() => void> = [];
  private loading: Promise<void> | undefined;
  private loadAgain = false;
  /** Events that arrive while an overview is in flight: replayed on top of it, in order. */
  private buffer: SocialEvent[] | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly avatars: AvatarCache;

  constructor(private readonly client: SocialStoreClient) {
    this.avatars = new AvatarCache(client);
  }

  /** Follows the client: loads now if signed in, and after every sign-in from then on. */
  start(): void {
    if (this.offs.length > 0) return;
    this.offs.push(
      this.client.on("event", (type, body) => this.onEvent(type, body)),
      this.client.on("state", (s) => {
        if (s !== "ready" && this.status === "ready") this.setStatus("offline");
      }),
      this.client.on("signedIn", () => void this.load()),
      this.client.on("signedOut", () => this.clear()),
    );
    if (this.client.state === "ready") void this.load();
  }

  stop(): void {
    for (const off of this.offs) off();
    this.offs = [];
    clearTimeout(this.retryTimer);
  }

  subscribe = this.notifier.subscribe;

  /** The current state; the same object until something changes. */
  getSnapshot = (): SocialSnapshot => {
    this.snapshot ??= this.state.snapshot(this.status);
    return this.snapshot;
  };

  /** Reloads everything (after every sign-in; also callable by hand). */
  load(): Promise<void> {
    if (this.loading) {
      this.loadAgain = true;
      return this.loading;
    }
    clearTimeout(this.retryTimer);
    this.loading = (async () => {
      try {
        do {
          this.loadAgain = false;
          this.buffer = [];
          this.setStatus("loading");
          this.state.adopt(await this.overview());
          this.changed();
          const buffered = this.buffer;
          this.buffer = undefined;
          for (const e of buffered) this.apply(e);
        } while (this.loadAgain);
        for (const id of this.state.details.keys()) void this.refreshGroup(id).catch(() => undefined);
        this.setStatus(this.client.state === "ready" ? "ready" : "offline");
      } catch {
        // Disconnected: the next sign-in loads again. Still signed in: try again a little later.
        this.buffer = undefined;
        this.setStatus("offline");
        if (this.client.state === "ready" && this.offs.length > 0) {
          this.retryTimer = setTimeout(() => void this.load(), 2000);
        }
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  // -------------------------------------------------------------------------------------------
  // Actions: each throws the command's AppError, and applies its reply before resolving.
  // -------------------------------------------------------------------------------------------

  search(prefix: string, limit?: number): Promise<PublicUser[]> {
    return this.client
      .request("social.users.search", { prefix, ...(limit === undefined ? {} : { limit }) })
      .then((v) => v.users);
  }

  async requestFriend(userId: number): Promise<"pending" | "friends"> {
    const r = await this.client.request("social.friends.request", { userId });
    if (r.status === "pending") this.state.outgoing.set(r.request.id, r.request);
    else this.state.addFriend(r.friend);
    this.changed();
    return r.status;
  }

  async cancelRequest(requestId: number): Promise<void> {
    await this.client.request("social.friends.cancel", { requestId });
    this.state.removeRequest(requestId);
    this.changed();
  }

  async acceptRequest(requestId: number): Promise<Friend> {
    const { friend } = await this.client.request("social.friends.accept", { requestId });
    this.state.removeRequest(requestId);
    this.state.addFriend(friend);
    this.changed();
    return friend;
  }

  async declineRequest(requestId: number): Promise<void> {
    await this.client.request("social.friends.decline", { requestId });
    this.state.removeRequest(requestId);
    this.changed();
  }

  async removeFriend(userId: number): Promise<void> {
    await this.client.request("social.friends.remove", { userId });
    this.state.friends.delete(userId);
    this.changed();
  }

  async block(userId: number): Promise<void> {
    const { block } = await this.client.request("social.blocks.add", { userId });
    this.state.addBlock(block);
    this.changed();
  }

  async unblock(userId: number): Promise<void> {
    await this.client.request("social.blocks.remove", { userId });
    this.state.blocked.delete(userId);
    this.changed();
  }

  async createGroup(name: string, invite: number[] = []): Promise<GroupDetail> {
    return this.adoptDetail(await this.client.request("social.groups.create", { name, invite }));
  }

  /** Reads a group's details and keeps them current from then on. */
  async loadGroup(groupId: number): Promise<GroupDetail> {
    await this.refreshGroup(groupId, true);
    const detail = this.state.details.get(groupId);
    if (!detail) throw new AppError("NOT_FOUND");
    return detail;
  }

  async invite(groupId: number, userId: number): Promise<void> {
    const { invitation } = await this.client.request("social.groups.invite", { groupId, userId });
    const d = this.state.details.get(groupId);
    if (d && !d.invites.some((i) => i.id === invitation.id)) {
      this.state.details.set(groupId, {
        ...d,
        invites: [invitation, ...d.invites.filter((i) => i.invitee.id !== userId)],
      });
      this.changed();
    }
  }

  /** Takes back a pending invitation to `groupId` (its inviter, the owner or an admin). */
  async withdrawInvitation(groupId: number, invitationId: number): Promise<void> {
    await this.client.request("social.groups.withdrawInvite", { invitationId });
    const d = this.state.details.get(groupId);
    if (d) {
      this.state.details.set(groupId, { ...d, invites: d.invites.filter((i) => i.id !== invitationId) });
      this.changed();
    }
  }

  async acceptInvitation(invitationId: number): Promise<GroupDetail> {
    const detail = await this.client.request("social.groups.acceptInvite", { invitationId });
    this.state.invitations.delete(invitationId);
    return this.adoptDetail(detail);
  }

  async declineInvitation(invitationId: number): Promise<void> {
    await this.client.request("social.groups.declineInvite", { invitationId });
    this.state.invitations.delete(invitationId);
    this.changed();
  }

  async leave(groupId: number): Promise<void> {
    await this.client.request("social.groups.leave", { groupId });
    this.loseGroup(groupId, "left");
  }

  kick(groupId: number, userId: number): Promise<void> {
    return this.changeGroup(groupId, this.client.request("social.groups.kick", { groupId, userId }));
  }

  setRole(groupId: number, userId: number, role: "admin" | "member"): Promise<void> {
    return this.changeGroup(groupId, this.client.request("social.groups.setRole", { groupId, userId, role }));
  }

  transfer(groupId: number, userId: number): Promise<void> {
    return this.changeGroup(groupId, this.client.request("social.groups.transfer", { groupId, userId }));
  }

  rename(groupId: number, name: string): Promise<void> {
    return this.changeGroup(groupId, this.client.request("social.groups.rename", { groupId, name }));
  }

  /** Owner only: "" clears the topic. */
  setTopic(groupId: number, topic: string): Promise<void> {
    return this.changeGroup(groupId, this.client.request("social.groups.setTopic", { groupId, topic }));
  }

  /**
   * Owner only: sets the group's picture (as setAvatar's image), or removes it with null. Throws
   * the command's AppError (FORBIDDEN, PAYLOAD_TOO_LARGE, BAD_REQUEST, CONFLICT once disbanded).
   */
  setGroupAvatar(groupId: number, image: Uint8Array | null): Promise<void> {
    const body = { groupId, image: image && encodeBase64url(image) };
    return this.changeGroup(groupId, this.client.request("social.groups.setAvatar", body));
  }

  /** Changes the user's display name and/or about line ("" clears one; an omitted one stays). */
  async updateProfile(change: { displayName?: string; about?: string }): Promise<Profile> {
    const { profile } = await this.client.request("social.profile.update", change);
    this.state.me = profile;
    this.state.learnProfiles([profile]);
    this.changed();
    return profile;
  }

  /**
   * Sets the user's picture (an image the app made: PNG, JPEG, WebP or GIF, at most
   * AVATAR_LIMITS.bytesMax bytes), or removes it with null. Throws the command's AppError
   * (PAYLOAD_TOO_LARGE, BAD_REQUEST).
   */
  async setAvatar(image: Uint8Array | null): Promise<Profile> {
    const { profile } = await this.client.request("social.profile.setAvatar", {
      image: image && encodeBase64url(image),
    });
    this.state.me = profile;
    this.state.learnProfiles([profile]);
    this.changed();
    return profile;
  }

  /**
   * The picture a profile names (`profile.avatar`), fetched once per version and kept; undefined
   * when the server has none to show (the initial stays). Never throws.
   */
  avatarPicture(userId: number, version: string): Promise<AvatarPicture | undefined> {
    return this.avatars.get(userId, version);
  }

  /** The picture a group names (`group.avatar`), as avatarPicture does for a profile's. */
  groupAvatarPicture(groupId: number, version: string): Promise<AvatarPicture | undefined> {
    return this.avatars.getGroup(groupId, version);
  }

  /**
   * Reads the profiles of users the store does not hold yet (search results, a profile card);
   * `force` reads them again anyway. What the caller may not see comes back as the username only.
   */
  async loadProfiles(userIds: readonly number[], force = false): Promise<void> {
    const wanted = [...new Set(userIds)].filter((id) => force || !this.state.profiles.has(id));
    for (let i = 0; i < wanted.length; i += SOCIAL_LIMITS.profilesGetMax) {
      const userIds = wanted.slice(i, i + SOCIAL_LIMITS.profilesGetMax);
      const { profiles } = await this.client.request("social.profiles.get", { userIds });
      this.state.learnProfiles(profiles);
    }
    if (wanted.length > 0) this.changed();
  }

  async disband(groupId: number): Promise<void> {
    await this.client.request("social.groups.disband", { groupId });
    this.loseGroup(groupId, "disbanded");
  }

  /** Acknowledges notices (they leave the list). */
  async dismissNotices(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.client.request("social.notices.ack", { ids });
    for (const id of ids) this.state.notices.delete(id);
    this.changed();
  }

  // -------------------------------------------------------------------------------------------
  // Applying
  // -------------------------------------------------------------------------------------------

  /** Reads of a whole state: retried while signed in when the failure is retryable. */
  private async overview(): Promise<Overview> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.client.call("social.overview", {});
      if (result.ok) return result.value;
      if (!result.error.retryable || attempt >= LOAD_ATTEMPTS || this.client.state !== "ready")
        throw AppError.from(result.error);
      await new Promise((r) =>
        setTimeout(r, Math.max(result.error.retryAfterMs ?? 0, Math.min(2000, 100 * 2 ** attempt))),
      );
    }
  }

  private onEvent(type: string, body: unknown): void {
    const event = parseSocialEvent(type, body);
    if (!event) return;
    if (this.buffer) this.buffer.push(event);
    else this.apply(event);
  }

  private apply(event: SocialEvent): void {
    const reread = this.state.apply(event, this.client.user?.id);
    if (reread !== undefined) void this.refreshGroup(reread).catch(() => undefined);
    this.changed();
  }

  private async changeGroup(groupId: number, change: Promise<{ group: GroupInfo }>): Promise<void> {
    const { group } = await change;
    this.state.groupChanged(groupId, group);
    this.changed();
    await this.refreshGroup(groupId).catch(() => undefined);
  }

  /** groups.get, one at a time per group (a request made meanwhile runs once more after it). */
  private refreshGroup(groupId: number, rethrow = false): Promise<void> {
    const running = this.refreshing.get(groupId);
    if (running) {
      running.again = true;
      return running.run;
    }
    const state = { again: false, run: Promise.resolve() };
    state.run = (async () => {
      try {
        do {
          state.again = false;
          const result = await this.client.call("social.groups.get", { groupId });
          if (result.ok) this.adoptDetail(result.value);
          else if (result.error.code === "NOT_FOUND") this.loseGroup(groupId, "unavailable");
          else if (rethrow) throw AppError.from(result.error);
        } while (state.again);
      } finally {
        this.refreshing.delete(groupId);
      }
    })();
    this.refreshing.set(groupId, state);
    return state.run;
  }

  private adoptDetail(detail: GroupDetail): GroupDetail {
    const held = this.state.adoptDetail(detail);
    if (held === detail) this.changed();
    return held;
  }

  private loseGroup(groupId: number, reason: GroupGoneReason): void {
    this.state.loseGroup(groupId, reason);
    this.changed();
  }

  private clear(): void {
    this.state.clear();
    this.avatars.clear();
    this.setStatus("offline");
    this.changed();
  }

  private setStatus(status: SocialStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.changed();
  }

  private changed(): void {
    this.snapshot = undefined;
    this.notifier.notify();
  }
}
