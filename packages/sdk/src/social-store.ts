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
 */
import type { PublicUser } from "@sealroom/proto/auth";
import { AppError } from "@sealroom/proto/errors";
import {
  type Block,
  type Friend,
  type FriendRequest,
  type GroupDetail,
  type GroupEventView,
  type GroupInfo,
  type GroupRole,
  type Invitation,
  type MyGroup,
  type Notice,
  type Overview,
  type Presence,
} from "@sealroom/proto/social";
import type { SealroomClient } from "./client.js";
import { parseSocialEvent, type SocialEvent } from "./social.js";
import { ChangeNotifier } from "./notifier.js";

export type SocialStatus = "offline" | "loading" | "ready";
/** Why a group the user had open is no longer theirs. `unavailable`: it could not be read any more. */
export type GroupGoneReason = "left" | "kicked" | "disbanded" | "unavailable";

export interface SocialSnapshot {
  status: SocialStatus;
  /** Sorted by username. Presence is live. */
  friends: readonly Friend[];
  /** Newest first. */
  incoming: readonly FriendRequest[];
  outgoing: readonly FriendRequest[];
  blocked: readonly Block[];
  invitations: readonly Invitation[];
  /** Active groups, sorted by name. */
  groups: readonly MyGroup[];
  notices: readonly Notice[];
  /** Details of groups read with loadGroup, kept current while signed in (members' presence too). */
  groupDetails: Readonly<Record<number, GroupDetail>>;
  /** Groups read with loadGroup that the user has since lost, and why. */
  goneGroups: Readonly<Record<number, GroupGoneReason>>;
}

export type SocialStoreClient = Pick<SealroomClient, "on" | "request" | "call" | "state" | "user">;

const LOAD_ATTEMPTS = 6;

const byName = (a: string, b: string) => a.localeCompare(b);

export class SocialStore {
  private status: SocialStatus = "offline";
  private readonly friends = new Map<number, Friend>();
  private readonly incoming = new Map<number, FriendRequest>();
  private readonly outgoing = new Map<number, FriendRequest>();
  private readonly blocked = new Map<number, Block>();
  private readonly invitations = new Map<number, Invitation>();
  private readonly groups = new Map<number, MyGroup>();
  private readonly notices = new Map<number, Notice>();
  private readonly details = new Map<number, GroupDetail>();
  private readonly gone = new Map<number, GroupGoneReason>();
  private readonly refreshing = new Map<number, { run: Promise<void>; again: boolean }>();
  private readonly notifier = new ChangeNotifier();
  private snapshot: SocialSnapshot | undefined;
  private offs: Array<() => void> = [];
  private loading: Promise<void> | undefined;
  private loadAgain = false;
  /** Events that arrive while an overview is in flight: replayed on top of it, in order. */
  private buffer: SocialEvent[] | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly client: SocialStoreClient) {}

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
    this.snapshot ??= {
      status: this.status,
      friends: [...this.friends.values()].sort((a, b) => byName(a.user.username, b.user.username)),
      incoming: newestFirst(this.incoming),
      outgoing: newestFirst(this.outgoing),
      blocked: [...this.blocked.values()].sort((a, b) => byName(a.user.username, b.user.username)),
      invitations: newestFirst(this.invitations),
      groups: [...this.groups.values()].sort((a, b) => byName(a.name, b.name) || a.id - b.id),
      notices: newestFirst(this.notices),
      groupDetails: Object.fromEntries(this.details),
      goneGroups: Object.fromEntries(this.gone),
    };
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
          this.adopt(await this.overview());
          const buffered = this.buffer;
          this.buffer = undefined;
          for (const e of buffered) this.apply(e);
        } while (this.loadAgain);
        for (const id of this.details.keys()) void this.refreshGroup(id).catch(() => undefined);
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
    return this.client.request("social.users.search", { prefix, ...(limit === undefined ? {} : { limit }) }).then((v) => v.users);
  }

  async requestFriend(userId: number): Promise<"pending" | "friends"> {
    const r = await this.client.request("social.friends.request", { userId });
    if (r.status === "pending") this.outgoing.set(r.request.id, r.request);
    else this.addFriend(r.friend);
    this.changed();
    return r.status;
  }

  async cancelRequest(requestId: number): Promise<void> {
    await this.client.request("social.friends.cancel", { requestId });
    this.removeRequest(requestId);
  }

  async acceptRequest(requestId: number): Promise<Friend> {
    const { friend } = await this.client.request("social.friends.accept", { requestId });
    this.removeRequest(requestId);
    this.addFriend(friend);
    return friend;
  }

  async declineRequest(requestId: number): Promise<void> {
    await this.client.request("social.friends.decline", { requestId });
    this.removeRequest(requestId);
  }

  async removeFriend(userId: number): Promise<void> {
    await this.client.request("social.friends.remove", { userId });
    this.friends.delete(userId);
    this.changed();
  }

  async block(userId: number): Promise<void> {
    const { block } = await this.client.request("social.blocks.add", { userId });
    this.addBlock(block);
  }

  async unblock(userId: number): Promise<void> {
    await this.client.request("social.blocks.remove", { userId });
    this.blocked.delete(userId);
    this.changed();
  }

  async createGroup(name: string, invite: number[] = []): Promise<GroupDetail> {
    return this.adoptDetail(await this.client.request("social.groups.create", { name, invite }));
  }

  /** Reads a group's details and keeps them current from then on. */
  async loadGroup(groupId: number): Promise<GroupDetail> {
    await this.refreshGroup(groupId, true);
    const detail = this.details.get(groupId);
    if (!detail) throw new AppError("NOT_FOUND");
    return detail;
  }

  async invite(groupId: number, userId: number): Promise<void> {
    const { invitation } = await this.client.request("social.groups.invite", { groupId, userId });
    const d = this.details.get(groupId);
    if (d && !d.invites.some((i) => i.id === invitation.id)) {
      this.details.set(groupId, { ...d, invites: [invitation, ...d.invites.filter((i) => i.invitee.id !== userId)] });
      this.changed();
    }
  }

  async acceptInvitation(invitationId: number): Promise<GroupDetail> {
    const detail = await this.client.request("social.groups.acceptInvite", { invitationId });
    this.invitations.delete(invitationId);
    return this.adoptDetail(detail);
  }

  async declineInvitation(invitationId: number): Promise<void> {
    await this.client.request("social.groups.declineInvite", { invitationId });
    this.invitations.delete(invitationId);
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

  async disband(groupId: number): Promise<void> {
    await this.client.request("social.groups.disband", { groupId });
    this.loseGroup(groupId, "disbanded");
  }

  /** Acknowledges notices (they leave the list). */
  async dismissNotices(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.client.request("social.notices.ack", { ids });
    for (const id of ids) this.notices.delete(id);
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
      if (!result.error.retryable || attempt >= LOAD_ATTEMPTS || this.client.state !== "ready") throw AppError.from(result.error);
      await new Promise((r) => setTimeout(r, Math.max(result.error.retryAfterMs ?? 0, Math.min(2000, 100 * 2 ** attempt))));
    }
  }

  private adopt(o: Overview): void {
    const fill = <K, V>(map: Map<K, V>, items: V[], key: (v: V) => K) => {
      map.clear();
      for (const v of items) map.set(key(v), v);
    };
    fill(this.friends, o.friends, (f) => f.user.id);
    fill(this.incoming, o.incoming, (r) => r.id);
    fill(this.outgoing, o.outgoing, (r) => r.id);
    fill(this.blocked, o.blocked, (b) => b.user.id);
    fill(this.invitations, o.invitations, (i) => i.id);
    fill(this.groups, o.groups, (g) => g.id);
    fill(this.notices, o.notices, (n) => n.id);
    this.changed();
  }

  private onEvent(type: string, body: unknown): void {
    const event = parseSocialEvent(type, body);
    if (!event) return;
    if (this.buffer) this.buffer.push(event);
    else this.apply(event);
  }

  private apply(event: SocialEvent): void {
    switch (event.type) {
      case "social.friendRequest.received.v1":
        this.incoming.set(event.body.request.id, event.body.request);
        break;
      case "social.friendRequest.sent.v1":
        this.outgoing.set(event.body.request.id, event.body.request);
        break;
      case "social.friendRequest.removed.v1":
        this.incoming.delete(event.body.requestId);
        this.outgoing.delete(event.body.requestId);
        break;
      case "social.friend.added.v1":
        return this.addFriend(event.body.friend);
      case "social.friend.removed.v1":
        this.friends.delete(event.body.userId);
        break;
      case "social.block.added.v1":
        return this.addBlock(event.body.block);
      case "social.block.removed.v1":
        this.blocked.delete(event.body.userId);
        break;
      case "social.group.updated.v1":
        return this.groupUpdated(event.body.group, event.body.event);
      case "social.group.removed.v1":
        return this.loseGroup(event.body.group.id, event.body.reason);
      case "social.invitation.received.v1":
        this.invitations.set(event.body.invitation.id, event.body.invitation);
        break;
      case "social.invitation.removed.v1":
        this.invitations.delete(event.body.invitationId);
        break;
      case "social.notice.created.v1":
        this.notices.set(event.body.notice.id, event.body.notice);
        break;
      case "presence.changed.v1": {
        const { userId, online, lastSeenAt } = event.body;
        this.setPresence(userId, { online, lastSeenAt });
        break;
      }
    }
    this.changed();
  }

  private addFriend(friend: Friend): void {
    this.friends.set(friend.user.id, friend);
    this.setPresence(friend.user.id, friend.presence);
    this.changed();
  }

  private addBlock(block: Block): void {
    const userId = block.user.id;
    this.blocked.set(userId, block);
    this.friends.delete(userId);
    for (const map of [this.incoming, this.outgoing]) {
      for (const [id, r] of map) if (r.from.id === userId || r.to.id === userId) map.delete(id);
    }
    this.changed();
  }

  private removeRequest(requestId: number): void {
    this.incoming.delete(requestId);
    this.outgoing.delete(requestId);
    this.changed();
  }

  /** One user's presence, wherever the store shows it. */
  private setPresence(userId: number, presence: Presence): void {
    const f = this.friends.get(userId);
    if (f) this.friends.set(userId, { ...f, presence });
    for (const [id, d] of this.details) {
      if (d.members.some((m) => m.user.id === userId)) {
        this.details.set(id, { ...d, members: d.members.map((m) => (m.user.id === userId ? { ...m, presence } : m)) });
      }
    }
  }

  private groupUpdated(info: GroupInfo, event: GroupEventView): void {
    const me = this.client.user?.id;
    const aboutMe = event.target?.id === me;
    if ((event.type === "left" || event.type === "kicked") && aboutMe) return this.loseGroup(info.id, event.type);
    if (info.disbandedAt !== null) return this.loseGroup(info.id, "disbanded");
    const held = this.groups.get(info.id);
    if (held && info.version >= held.version) this.groups.set(info.id, { ...info, role: roleAfter(held.role, event, me) });
    // A group this store does not list yet (joined on another device), or one shown in detail:
    // read it again, which also gives the viewer's role.
    if (!held || this.details.has(info.id)) void this.refreshGroup(info.id).catch(() => undefined);
    this.changed();
  }

  private async changeGroup(groupId: number, change: Promise<{ group: GroupInfo }>): Promise<void> {
    const { group } = await change;
    const held = this.groups.get(groupId);
    if (held && group.version >= held.version) this.groups.set(groupId, { ...group, role: held.role });
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
    const id = detail.group.id;
    const held = this.details.get(id);
    if (held && held.group.version > detail.group.version) return held;
    this.details.set(id, detail);
    this.gone.delete(id);
    if (detail.group.disbandedAt === null) this.groups.set(id, { ...detail.group, role: detail.role });
    else this.groups.delete(id);
    this.changed();
    return detail;
  }

  private loseGroup(groupId: number, reason: GroupGoneReason): void {
    this.groups.delete(groupId);
    if (this.details.has(groupId) || this.gone.has(groupId)) {
      // A disbanded group stays readable: keep its detail, marked read-only by disbandedAt.
      const d = this.details.get(groupId);
      if (reason === "disbanded" && d) this.details.set(groupId, { ...d, group: { ...d.group, disbandedAt: d.group.disbandedAt ?? Date.now() } });
      else this.details.delete(groupId);
      if (!(reason === "unavailable" && this.gone.has(groupId))) this.gone.set(groupId, reason);
    }
    this.changed();
  }

  private clear(): void {
    for (const map of [this.friends, this.incoming, this.outgoing, this.blocked, this.invitations, this.groups, this.notices, this.details, this.gone]) map.clear();
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

/** The viewer's role after a group event (the event's group info does not carry it). */
export function roleAfter(role: GroupRole, event: GroupEventView, me: number | undefined): GroupRole {
  if (me === undefined) return role;
  if (event.type === "role" && event.target?.id === me && event.role) return event.role;
  if (event.type === "transferred") {
    if (event.target?.id === me) return "owner";
    if (event.actor?.id === me) return "admin";
  }
  return role;
}

function newestFirst<T extends { id: number; createdAt: number }>(map: Map<number, T>): T[] {
  return [...map.values()].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
}
