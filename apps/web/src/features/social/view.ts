/** The social snapshot as the screens and other features read it. */
import type { SocialSnapshot } from "@sealroom/sdk/browser";

export interface FriendView {
  userId: number;
  username: string;
  online: boolean;
  /** When they went offline; null while online, never seen, or hidden. */
  lastSeenAt: number | null;
  /** Friends since. */
  since: number;
}

export interface SocialView extends Omit<SocialSnapshot, "friends"> {
  /** Online first, then by name. */
  friends: readonly FriendView[];
  friendsById: ReadonlyMap<number, FriendView>;
  /** For badges: incoming friend requests and group invitations waiting for an answer. */
  pending: { requests: number; invitations: number; total: number };
}

export function toSocialView(s: SocialSnapshot): SocialView {
  const friends = s.friends
    .map((f) => ({
      userId: f.user.id,
      username: f.user.username,
      online: f.presence.online,
      lastSeenAt: f.presence.lastSeenAt,
      since: f.since,
    }))
    .sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username));
  return {
    ...s,
    friends,
    friendsById: new Map(friends.map((f) => [f.userId, f])),
    pending: {
      requests: s.incoming.length,
      invitations: s.invitations.length,
      total: s.incoming.length + s.invitations.length,
    },
  };
}
