/**
 * Friends and their presence, for the conversation list (a DM partner's dot) and for starting a
 * DM with a friend nobody has written to yet. Social events are hints: the overview is read again
 * after every sign-in (a reconnect), so a presence change missed while offline is repaired.
 */
import type { PublicUser } from "@sealroom/proto/auth";
import {
  SocialClient,
  parseChatEvent,
  type Friend,
  type Presence,
  type Profile,
  type SealroomClient,
} from "@sealroom/sdk/browser";

export interface PeopleSnapshot {
  friends: readonly Friend[];
  presence: Readonly<Record<number, Presence>>;
  /** Usernames by id: friends, group members, senders seen live. A message shows its sender's. */
  names: Readonly<Record<number, string>>;
  /**
   * Display names by id, for the users who set one and whose profile the server showed (friends,
   * fellow group members). Shown instead of the username: {@link shownName}.
   */
  displayNames: Readonly<Record<number, string>>;
  /** Member ids by group id, for the groups opened so far (ensureGroup): whom `@` offers. */
  members: Readonly<Record<number, readonly number[]>>;
}

/** The name the app shows for a user: their display name if known, else the username. */
export function shownName(
  people: Pick<PeopleSnapshot, "displayNames">,
  user: { id: number; username: string },
): string {
  return people.displayNames[user.id] ?? user.username;
}

export interface PeopleLike {
  subscribe(listener: () => void): () => void;
  getSnapshot(): PeopleSnapshot;
  /** Learns a group's members (names of senders in its history); cheap to call again. */
  ensureGroup(groupId: number): void;
  /** Takes the friends (with presence) from the app's social store, which then owns them. */
  setFriends(friends: readonly Friend[]): void;
  /** Takes profiles (display names) from the app's social store. */
  setProfiles(profiles: Readonly<Record<number, Profile>>): void;
}

const EMPTY: PeopleSnapshot = { friends: [], presence: {}, names: {}, displayNames: {}, members: {} };

export class PeopleStore implements PeopleLike {
  private snapshot: PeopleSnapshot = EMPTY;
  private readonly listeners = new Set<() => void>();
  private readonly social: SocialClient;
  private offs: (() => void)[] = [];
  /** Overview reads that started; an older one finishing late must not overwrite a newer one. */
  private generation = 0;
  private readonly groupsLoaded = new Set<number>();

  /**
   * `readOverview`: read the friends from social.overview after every sign-in. The app turns it off
   * and feeds setFriends from its SocialStore instead, so one overview is read per sign-in, not two.
   */
  constructor(
    private readonly client: Pick<SealroomClient, "on" | "state" | "request">,
    private readonly opts: { readOverview: boolean } = { readOverview: true },
  ) {
    this.social = new SocialClient(client);
  }

  start(): void {
    if (this.offs.length > 0) return;
    this.offs.push(
      this.client.on("signedIn", () => void this.refresh()),
      this.client.on("signedOut", () => {
        this.groupsLoaded.clear();
        this.set(EMPTY);
      }),
      this.client.on("event", (type, body) => {
        const event = parseChatEvent(type, body);
        const sender = event?.type === "chat.message.created.v1" ? event.body.sender : null;
        if (sender) this.learn([{ id: sender.id, username: sender.username }]);
      }),
      this.social.onAny((event) => {
        switch (event.type) {
          case "presence.changed.v1": {
            const { userId, online, lastSeenAt } = event.body;
            this.set({ ...this.snapshot, presence: { ...this.snapshot.presence, [userId]: { online, lastSeenAt } } });
            return;
          }
          case "social.friend.added.v1": {
            const { friend } = event.body;
            const friends = [...this.snapshot.friends.filter((f) => f.user.id !== friend.user.id), friend];
            this.set({
              ...this.snapshot,
              friends,
              presence: { ...this.snapshot.presence, [friend.user.id]: friend.presence },
            });
            this.learn([friend.user]);
            return;
          }
          case "social.group.updated.v1":
            // New members may have joined: their names are needed for their messages.
            if (this.groupsLoaded.delete(event.body.group.id)) this.ensureGroup(event.body.group.id);
            return;
          case "social.friend.removed.v1":
            void this.refresh();
            return;
          case "social.profile.updated.v1":
            this.setProfiles({ [event.body.profile.user.id]: event.body.profile });
            return;
          default:
            // Requests, blocks, invitations and notices change no name or presence held here.
            return;
        }
      }),
    );
    if (this.client.state === "ready") void this.refresh();
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): PeopleSnapshot => this.snapshot;

  setFriends(friends: readonly Friend[]): void {
    const presence: Record<number, Presence> = { ...this.snapshot.presence };
    for (const f of friends) presence[f.user.id] = f.presence;
    this.set({ ...this.snapshot, friends, presence });
    this.learn(friends.map((f) => f.user));
  }

  async refresh(): Promise<void> {
    if (!this.opts.readOverview) return;
    const generation = ++this.generation;
    try {
      const overview = await this.social.overview();
      if (generation !== this.generation) return;
      const presence: Record<number, Presence> = { ...this.snapshot.presence };
      for (const f of overview.friends) presence[f.user.id] = f.presence;
      this.set({ ...this.snapshot, friends: overview.friends, presence });
      this.learn(overview.friends.map((f) => f.user));
    } catch {
      // Offline or the social service is busy: the next sign-in reads it again.
    }
  }

  ensureGroup(groupId: number): void {
    if (this.groupsLoaded.has(groupId)) return;
    this.groupsLoaded.add(groupId);
    this.social.group(groupId).then(
      (detail) => {
        const presence: Record<number, Presence> = { ...this.snapshot.presence };
        for (const m of detail.members) presence[m.user.id] ??= m.presence;
        const members = { ...this.snapshot.members, [groupId]: detail.members.map((m) => m.user.id) };
        this.set({ ...this.snapshot, presence, members });
        this.learn(detail.members.map((m) => m.user));
        this.setProfiles(Object.fromEntries(detail.profiles.map((p) => [p.user.id, p])));
      },
      () => this.groupsLoaded.delete(groupId), // try again next time the group is opened
    );
  }

  setProfiles(profiles: Readonly<Record<number, Profile>>): void {
    const list = Object.values(profiles);
    if (list.every((p) => this.snapshot.displayNames[p.user.id] === (p.displayName ?? undefined))) return;
    const displayNames: Record<number, string> = { ...this.snapshot.displayNames };
    for (const p of list) {
      if (p.displayName === null) delete displayNames[p.user.id];
      else displayNames[p.user.id] = p.displayName;
    }
    this.set({ ...this.snapshot, displayNames });
    this.learn(list.map((p) => p.user));
  }

  private learn(users: readonly PublicUser[]): void {
    if (users.every((u) => this.snapshot.names[u.id] === u.username)) return;
    const names: Record<number, string> = { ...this.snapshot.names };
    for (const u of users) names[u.id] = u.username;
    this.set({ ...this.snapshot, names });
  }

  private set(next: PeopleSnapshot): void {
    this.snapshot = next;
    for (const l of this.listeners) l();
  }
}
