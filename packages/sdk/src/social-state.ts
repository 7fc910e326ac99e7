/**
 * The SocialStore's state and its transitions: what an overview, an event or a command's reply
 * changes. Synchronous and free of I/O (the store reads and notifies), so the rules are tested on
 * their own (social-state.test.ts). A transition that needs a group read again says so by
 * returning its id.
 */
import type {
  Block,
  Friend,
  FriendRequest,
  GroupDetail,
  GroupEventView,
  GroupInfo,
  GroupRole,
  Invitation,
  MyGroup,
  Notice,
  Overview,
  Presence,
  Profile,
} from "@sealroom/proto/social";
import type { SocialEvent } from "./social.js";

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
  /** The user's own profile (undefined until the first overview). */
  me: Profile | undefined;
  /**
   * Profiles the server showed (friends, members of groups read, profiles asked for), kept current
   * by social.profile.updated.v1. A user missing here is shown by username.
   */
  profiles: Readonly<Record<number, Profile>>;
}

/** The name to show for a user: their display name where the viewer may see one, else the username. */
export function displayNameOf(
  profiles: Readonly<Record<number, Profile>>,
  user: { id: number; username: string },
): string {
  return profiles[user.id]?.displayName ?? user.username;
}

const byName = (a: string, b: string) => a.localeCompare(b);

export class SocialState {
  readonly friends = new Map<number, Friend>();
  readonly incoming = new Map<number, FriendRequest>();
  readonly outgoing = new Map<number, FriendRequest>();
  readonly blocked = new Map<number, Block>();
  readonly invitations = new Map<number, Invitation>();
  readonly groups = new Map<number, MyGroup>();
  readonly notices = new Map<number, Notice>();
  readonly details = new Map<number, GroupDetail>();
  readonly gone = new Map<number, GroupGoneReason>();
  readonly profiles = new Map<number, Profile>();
  me: Profile | undefined;

  snapshot(status: SocialStatus): SocialSnapshot {
    return {
      status,
      friends: [...this.friends.values()].sort((a, b) => byName(a.user.username, b.user.username)),
      incoming: newestFirst(this.incoming),
      outgoing: newestFirst(this.outgoing),
      blocked: [...this.blocked.values()].sort((a, b) => byName(a.user.username, b.user.username)),
      invitations: newestFirst(this.invitations),
      groups: [...this.groups.values()].sort((a, b) => byName(a.name, b.name) || a.id - b.id),
      notices: newestFirst(this.notices),
      groupDetails: Object.fromEntries(this.details),
      goneGroups: Object.fromEntries(this.gone),
      me: this.me,
      profiles: Object.fromEntries(this.profiles),
    };
  }

  /** Replaces the lists with an overview (group details are kept: they are read again). */
  adopt(o: Overview): void {
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
    // What the overview says replaces what was learned before (an ex-friend's name must not
    // linger); the profiles of groups held in detail stay until those are read again.
    this.profiles.clear();
    this.learnProfiles([...[...this.details.values()].flatMap((d) => d.profiles), o.me, ...o.profiles]);
    this.me = o.me;
  }

  /** Later profiles in the list win; the user's own (`me`) follows theirs. */
  learnProfiles(profiles: readonly Profile[]): void {
    for (const p of profiles) this.profiles.set(p.user.id, p);
    if (this.me) this.me = this.profiles.get(this.me.user.id) ?? this.me;
  }

  /** Applies an event; returns the id of a group to read again, if one is needed. */
  apply(event: SocialEvent, me: number | undefined): number | undefined {
    switch (event.type) {
      case "social.friendRequest.received.v1":
        this.incoming.set(event.body.request.id, event.body.request);
        return;
      case "social.friendRequest.sent.v1":
        this.outgoing.set(event.body.request.id, event.body.request);
        return;
      case "social.friendRequest.removed.v1":
        this.removeRequest(event.body.requestId);
        return;
      case "social.friend.added.v1":
        this.addFriend(event.body.friend);
        return;
      case "social.friend.removed.v1":
        this.friends.delete(event.body.userId);
        return;
      case "social.block.added.v1":
        this.addBlock(event.body.block);
        return;
      case "social.block.removed.v1":
        this.blocked.delete(event.body.userId);
        return;
      case "social.group.updated.v1":
        return this.groupUpdated(event.body.group, event.body.event, me);
      case "social.group.removed.v1":
        this.loseGroup(event.body.group.id, event.body.reason);
        return;
      case "social.invitation.received.v1":
        this.invitations.set(event.body.invitation.id, event.body.invitation);
        return;
      case "social.invitation.removed.v1":
        this.invitations.delete(event.body.invitationId);
        return;
      case "social.notice.created.v1":
        this.notices.set(event.body.notice.id, event.body.notice);
        return;
      case "social.profile.updated.v1":
        this.learnProfiles([event.body.profile]);
        return;
      case "presence.changed.v1": {
        const { userId, online, lastSeenAt } = event.body;
        this.setPresence(userId, { online, lastSeenAt });
        return;
      }
      default:
        return event satisfies never;
    }
  }

  addFriend(friend: Friend): void {
    this.friends.set(friend.user.id, friend);
    this.setPresence(friend.user.id, friend.presence);
  }

  /** A block ends the friendship and withdraws the requests between the two. */
  addBlock(block: Block): void {
    const userId = block.user.id;
    this.blocked.set(userId, block);
    this.friends.delete(userId);
    for (const map of [this.incoming, this.outgoing]) {
      for (const [id, r] of map) if (r.from.id === userId || r.to.id === userId) map.delete(id);
    }
  }

  removeRequest(requestId: number): void {
    this.incoming.delete(requestId);
    this.outgoing.delete(requestId);
  }

  /** One user's presence, wherever the store shows it. */
  setPresence(userId: number, presence: Presence): void {
    const f = this.friends.get(userId);
    if (f) this.friends.set(userId, { ...f, presence });
    for (const [id, d] of this.details) {
      if (d.members.some((m) => m.user.id === userId)) {
        this.details.set(id, { ...d, members: d.members.map((m) => (m.user.id === userId ? { ...m, presence } : m)) });
      }
    }
  }

  /** A group's new state; returns its id when it must be read again. */
  groupUpdated(info: GroupInfo, event: GroupEventView, me: number | undefined): number | undefined {
    const aboutMe = event.target?.id === me;
    const lost =
      (event.type === "left" || event.type === "kicked") && aboutMe
        ? event.type
        : info.disbandedAt !== null
          ? "disbanded"
          : undefined;
    if (lost) {
      this.loseGroup(info.id, lost);
      return undefined;
    }
    const held = this.groups.get(info.id);
    if (held && info.version >= held.version)
      this.groups.set(info.id, { ...info, role: roleAfter(held.role, event, me) });
    // A group this store does not list yet (joined on another device), or one shown in detail:
    // read it again, which also gives the viewer's role.
    return !held || this.details.has(info.id) ? info.id : undefined;
  }

  /** A command's reply about a group: newer state, the viewer's role unchanged. */
  groupChanged(groupId: number, group: GroupInfo): void {
    const held = this.groups.get(groupId);
    if (held && group.version >= held.version) this.groups.set(groupId, { ...group, role: held.role });
  }

  /** Takes a group's details, unless older than held; returns what is held afterwards. */
  adoptDetail(detail: GroupDetail): GroupDetail {
    const id = detail.group.id;
    const held = this.details.get(id);
    if (held && held.group.version > detail.group.version) return held;
    this.details.set(id, detail);
    this.gone.delete(id);
    this.learnProfiles(detail.profiles);
    if (detail.group.disbandedAt === null) this.groups.set(id, { ...detail.group, role: detail.role });
    else this.groups.delete(id);
    return detail;
  }

  loseGroup(groupId: number, reason: GroupGoneReason, now = Date.now()): void {
    this.groups.delete(groupId);
    if (this.details.has(groupId) || this.gone.has(groupId)) {
      // A disbanded group stays readable: keep its detail, marked read-only by disbandedAt.
      const d = this.details.get(groupId);
      if (reason === "disbanded" && d)
        this.details.set(groupId, { ...d, group: { ...d.group, disbandedAt: d.group.disbandedAt ?? now } });
      else this.details.delete(groupId);
      if (!(reason === "unavailable" && this.gone.has(groupId))) this.gone.set(groupId, reason);
    }
  }

  clear(): void {
    for (const map of [
      this.friends,
      this.incoming,
      this.outgoing,
      this.blocked,
      this.invitations,
      this.groups,
      this.notices,
      this.details,
      this.gone,
      this.profiles,
    ])
      map.clear();
    this.me = undefined;
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
