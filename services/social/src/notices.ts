/**
 * Notices: outcomes a user must learn even if they were offline (a request accepted or declined,
 * removal from a group, a group disbanded). Written in the transaction of the change, pushed live,
 * listed by social.overview until acknowledged.
 */
import { Prisma } from "@sealroom/db";
import { noticeSchema, SOCIAL_LIMITS, type Notice, type NoticeData, type NoticeType } from "@sealroom/proto/social";
import type { Logger } from "@sealroom/runtime";
import type { Deps } from "./deps.js";
import type { Outbox } from "./outbox.js";
import type { Tx } from "./store.js";
import { chunks } from "./views.js";

export async function addNotice<T extends NoticeType>(
  tx: Tx,
  out: Outbox,
  userId: number,
  type: T,
  data: NoticeData<T>,
  now: Date,
): Promise<void> {
  const row = await tx.notice.create({ data: { userId, type, data: JSON.stringify(data), createdAt: now } });
  const notice = { id: row.id, type, data, createdAt: now.getTime() } as Notice;
  out.toUser(userId, "social.notice.created.v1", { notice });
}

/**
 * The same notice for several distinct users (a disband tells every member), in one hand-written
 * multi-row INSERT per 500 (Prisma's createManyAndReturn compiles a plan the size of its data while
 * the write lock is held: issue #19). The caller pushes each (social.notice.created.v1) where its
 * order among the other pushes wants.
 */
export async function writeNotices<T extends NoticeType>(
  tx: Tx,
  userIds: readonly number[],
  type: T,
  data: NoticeData<T>,
  now: Date,
): Promise<Map<number, Notice>> {
  const json = JSON.stringify(data);
  const notices = new Map<number, Notice>();
  for (const part of chunks(userIds)) {
    const values = part.map((userId) => Prisma.sql`(${userId}, ${type}, ${json}, ${now})`);
    const rows = await tx.$queryRaw<Array<{ id: number | bigint; userId: number | bigint }>>(Prisma.sql`
      INSERT INTO "Notice" ("userId", "type", "data", "createdAt")
      VALUES ${Prisma.join(values)} RETURNING "id", "userId"`);
    for (const row of rows) {
      notices.set(Number(row.userId), { id: Number(row.id), type, data, createdAt: now.getTime() } as Notice);
    }
  }
  return notices;
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
