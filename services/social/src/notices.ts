/**
 * Notices: outcomes a user must learn even if they were offline (a request accepted or declined,
 * removal from a group, a group disbanded). Written in the transaction of the change, pushed live,
 * listed by social.overview until acknowledged.
 */
import { noticeSchema, SOCIAL_LIMITS, type Notice, type NoticeData, type NoticeType } from "@sealroom/proto/social";
import type { Logger } from "@sealroom/runtime";
import type { Deps } from "./deps.js";
import type { Outbox } from "./outbox.js";
import type { Tx } from "./store.js";

export async function addNotice<T extends NoticeType>(
  tx: Tx,
  out: Outbox,
  userId: number,
  type: T,
  data: NoticeData<T>,
  now: Date,
): Promise<void> {
  const notices = await writeNotices(tx, [userId], type, data, now);
  out.toUser(userId, "social.notice.created.v1", { notice: notices.get(userId)! });
}

/**
 * The same notice for several distinct users in one statement (a disband tells every member);
 * the caller pushes each (social.notice.created.v1) where its order among the other pushes wants.
 */
export async function writeNotices<T extends NoticeType>(
  tx: Tx,
  userIds: readonly number[],
  type: T,
  data: NoticeData<T>,
  now: Date,
): Promise<Map<number, Notice>> {
  if (userIds.length === 0) return new Map();
  const json = JSON.stringify(data);
  const rows = await tx.notice.createManyAndReturn({
    data: userIds.map((userId) => ({ userId, type, data: json, createdAt: now })),
    select: { id: true, userId: true },
  });
  return new Map(rows.map((row) => [row.userId, { id: row.id, type, data, createdAt: now.getTime() } as Notice]));
}

/** The newest unacknowledged notices, oldest first; a row that no longer parses is skipped. */
export async function listNotices(q: Tx, userId: number, log: Logger): Promise<Notice[]> {
  const rows = await q.notice.findMany({
    where: { userId },
    orderBy: { id: "desc" },
    take: SOCIAL_LIMITS.noticesListed,
  });
  const notices: Notice[] = [];
  for (const row of rows.reverse()) {
    let data: unknown;
    try {
      data = JSON.parse(row.data);
    } catch {
      data = undefined;
    }
    const parsed = noticeSchema.safeParse({ id: row.id, type: row.type, data, createdAt: row.createdAt.getTime() });
    if (parsed.success) notices.push(parsed.data);
    else log.warn({ noticeId: row.id, type: row.type }, "unreadable notice skipped");
  }
  return notices;
}

export function createNotices(deps: Deps) {
  return {
    /** Deletes the caller's notices among `ids`; others' ids count for nothing. */
    async ack(userId: number, ids: number[]): Promise<{ acknowledged: number }> {
      const { count } = await deps.store.write((tx) => tx.notice.deleteMany({ where: { userId, id: { in: ids } } }));
      return { acknowledged: count };
    },
  };
}
