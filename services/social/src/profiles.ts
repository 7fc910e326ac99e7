/**
 * Profiles: a display name, an "about" line and a picture per user. They are shown to the same
 * audience as presence (the user, friends, fellow members of an active group, never across a block
 * in either direction); anyone else sees the username only. The text is stored in the User row and
 * written only here; the picture is in its own table (avatars.ts).
 */
import { Prisma } from "@sealroom/db";
import { AppError } from "@sealroom/proto/errors";
import { SOCIAL_LIMITS, checkProfileText, type Profile } from "@sealroom/proto/social";
import type { KeyedTokenBucket } from "@sealroom/runtime";
import { mutate, type Deps } from "./deps.js";
import type { Outbox } from "./outbox.js";
import type { Tx } from "./store.js";
import { blockedEitherWay, chunks, watchersOf } from "./views.js";

interface ProfileRow {
  id: number;
  username: string;
  displayName: string | null;
  about: string | null;
  avatar: { version: string } | null;
}

export const PROFILE_SELECT = {
  id: true,
  username: true,
  displayName: true,
  about: true,
  avatar: { select: { version: true } },
} as const;

export function profileView(row: ProfileRow, visible: boolean): Profile {
  return {
    user: { id: row.id, username: row.username },
    displayName: visible ? row.displayName : null,
    about: visible ? row.about : null,
    avatar: visible ? (row.avatar?.version ?? null) : null,
  };
}

/** Whether a profile says anything beyond the username (worth listing unasked). */
export const hasContent = (p: Profile): boolean => p.displayName !== null || p.about !== null || p.avatar !== null;

/** Tells the user (all devices) and their profile audience that their profile is now `profile`. */
export async function announceProfile(deps: Deps, tx: Tx, out: Outbox, profile: Profile): Promise<void> {
  const userId = profile.user.id;
  out.toUsers([userId, ...(await watchersOf(tx, userId, deps.config.presenceFanoutCap))], "social.profile.updated.v1", {
    profile,
  });
}

export async function profileRows(q: Tx, ids: Iterable<number>): Promise<ProfileRow[]> {
  const rows: ProfileRow[] = [];
  for (const part of chunks([...new Set(ids)]))
    rows.push(...(await q.user.findMany({ where: { id: { in: part } }, select: PROFILE_SELECT })));
  return rows;
}

/** Which of `ids` may `viewer` see the profile of: themself, friends, fellow members of an active group, minus blocks. */
export async function visibleAmong(q: Tx, viewer: number, ids: readonly number[]): Promise<Set<number>> {
  const visible = new Set<number>();
  const others = [...new Set(ids)].filter((id) => id !== viewer);
  if (ids.includes(viewer)) visible.add(viewer);
  for (const part of chunks(others)) {
    const friends = await q.friendship.findMany({
      where: {
        OR: [
          { userAId: viewer, userBId: { in: part } },
          { userBId: viewer, userAId: { in: part } },
        ],
      },
    });
    for (const f of friends) visible.add(f.userAId === viewer ? f.userBId : f.userAId);
    const fellows = await q.$queryRaw<Array<{ id: bigint | number }>>(Prisma.sql`
      SELECT DISTINCT m2."userId" AS id FROM "GroupMember" m1
      JOIN "Group" g ON g."id" = m1."groupId" AND g."disbandedAt" IS NULL
      JOIN "GroupMember" m2 ON m2."groupId" = m1."groupId"
      WHERE m1."userId" = ${viewer} AND m2."userId" IN (${Prisma.join(part)})`);
    for (const r of fellows) visible.add(Number(r.id));
  }
  for (const id of await blockedEitherWay(
    q,
    viewer,
    [...visible].filter((id) => id !== viewer),
  ))
    visible.delete(id);
  return visible;
}

/** Profiles of `ids` as `viewer` may see them (unknown ids left out), in the order asked. */
export async function profilesFor(q: Tx, viewer: number, ids: readonly number[]): Promise<Profile[]> {
  const rows = new Map((await profileRows(q, ids)).map((r) => [r.id, r]));
  const visible = await visibleAmong(q, viewer, [...rows.keys()]);
  return [...new Set(ids)].flatMap((id) => {
    const row = rows.get(id);
    return row ? [profileView(row, visible.has(id))] : [];
  });
}

const invalid = (what: string, max: number) =>
  new AppError("BAD_REQUEST", `${what} is at most ${max} characters, without control or invisible characters.`);

/** A checked field: undefined stays as it is, "" clears it (null). */
function field(raw: string | undefined, max: number, what: string): string | null | undefined {
  if (raw === undefined) return undefined;
  const checked = checkProfileText(raw, max);
  if (!checked.ok) throw invalid(what, max);
  return checked.text === "" ? null : checked.text;
}

/**
 * `lookups`: the per-user bucket of user search, shared so that id -> username lookups cannot
 * scrape the directory faster than prefix searches can.
 */
export function createProfiles(deps: Deps, lookups: KeyedTokenBucket<number>) {
  const { store } = deps;
  return {
    async update(actorId: number, body: { displayName?: string; about?: string }): Promise<{ profile: Profile }> {
      const displayName = field(body.displayName, SOCIAL_LIMITS.displayNameMax, "A display name");
      const about = field(body.about, SOCIAL_LIMITS.aboutMax, "The about line");
      return mutate(deps, async (tx, out) => {
        const row = await tx.user.findUnique({ where: { id: actorId }, select: PROFILE_SELECT });
        if (!row) throw new AppError("NOT_FOUND", "No such user.");
        const next = {
          displayName: displayName === undefined ? row.displayName : displayName,
          about: about === undefined ? row.about : about,
        };
        if (next.displayName === row.displayName && next.about === row.about)
          return { profile: profileView(row, true) };
        await tx.user.update({ where: { id: actorId }, data: next });
        const profile = profileView({ ...row, ...next }, true);
        await announceProfile(deps, tx, out, profile);
        return { profile };
      });
    },

    async get(viewer: number, userIds: number[]): Promise<{ profiles: Profile[] }> {
      const wait = lookups.take(viewer);
      if (wait > 0) throw new AppError("RATE_LIMITED", "Looking people up too fast.", wait);
      return store.snapshot(async (q) => ({ profiles: await profilesFor(q, viewer, userIds) }));
    },
  };
}
