/**
 * The group timeline: every GroupEvent (the social service's durable outbox) becomes one `system`
 * entry in its group's conversation, in event order, exactly once. The consumer reads from a
 * persisted Cursor and advances it in the same transaction as the entries it appends, so a crash
 * or several chat instances never skip or repeat one. It runs at start, on each `evt.social.group`
 * doorbell, and periodically (a lost doorbell only delays an entry).
 *
 * It also keeps ConversationMember rows in step (a fresh span on join, leftSeq on leave or kick);
 * GroupMember (and, for a former member's reads, FormerMember) stays the truth for every permission check.
 *
 * Several instances (several hosts, on PostgreSQL) take turns through the cursor row: each step
 * locks it (`FOR UPDATE`) before reading it, so no two steps append the same events.
 */
import { groupConversationId, type SystemEntry, type SystemEvent } from "@sealroom/proto/chat";
import { groupEventDataSchema, groupEventTypeSchema, type GroupEventData } from "@sealroom/proto/social";
import type { Logger } from "@sealroom/runtime";
import { recipients, userOrPlaceholder, type Access } from "./access.js";
import { append, conversationFor } from "./entries.js";
import type { Publish } from "./publish.js";
import { queries, type GroupEventRow, type Queries } from "./queries.js";
import type { Writer } from "./writer.js";

export const CURSOR_NAME = "chat.groupEvents";
/** GroupEvents turned into entries per transaction. */
const BATCH = 200;

function dataOf(raw: string): GroupEventData {
  try {
    const parsed = groupEventDataSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export interface TimelineDeps {
  writer: Writer;
  publish: Publish;
  log: Logger;
  /** After a kick or departure is committed: the MLS group must follow (reconciler.ts). */
  onDeparture?: (conversationId: string) => void;
}

export function createTimeline({ writer, publish, log, onDeparture }: TimelineDeps) {
  let running: Promise<void> | undefined;
  let again = false;

  async function person(q: Queries, id: number | null, name: string | undefined) {
    if (id === null) return null;
    return { id, username: name ?? (await userOrPlaceholder(q, id)).username };
  }

  /** Appends the entry of one event; returns what to publish after commit (nothing for a vanished group). */
  async function apply(q: Queries, row: GroupEventRow, now: number): Promise<(() => void) | undefined> {
    const type = groupEventTypeSchema.safeParse(row.type);
    const group = await q.group.get(row.groupId);
    if (!type.success || !group) {
      log.warn({ groupEventId: row.id }, "group event skipped");
      return undefined;
    }
    const data = dataOf(row.data);
    const event: SystemEvent = {
      groupEventId: row.id,
      type: type.data,
      actor: await person(q, row.actorId, data.actorName),
      target: await person(q, row.targetId, data.targetName),
      ...(data.name === undefined ? {} : { name: data.name }),
      ...(data.previousName === undefined ? {} : { previousName: data.previousName }),
      ...(data.role === undefined ? {} : { role: data.role }),
      ...(data.topic === undefined ? {} : { topic: data.topic }),
    };
    const key = groupConversationId(row.groupId);
    const access: Access = {
      kind: "group",
      key,
      userId: 0,
      groupId: row.groupId,
      groupName: group.name,
      disbanded: group.disbandedAt !== null,
      visibleFrom: 0,
      former: null,
      conv: await q.convForUpdate.get(key),
    };
    const conv = await conversationFor(q, access, now);
    const { id, seq } = await append(
      q,
      conv,
      {
        kind: "system",
        senderId: null,
        clientMsgId: null,
        body: JSON.stringify(event),
        targetSeq: null,
        activity: true,
      },
      now,
    );
    if (row.targetId !== null) {
      if (type.data === "joined" || type.data === "created") {
        const member = await q.groupMember.get(row.groupId, row.targetId);
        await q.joinMember.run(conv.id, row.targetId, member?.joinedSeq ?? seq - 1);
      } else if (type.data === "left" || type.data === "kicked") {
        await q.leaveMember.run(seq, conv.id, row.targetId);
      }
    }
    // The members at commit time: someone who left or was kicked meanwhile gets nothing.
    const to = await recipients(q, access);
    const entry: SystemEntry = { kind: "system", id, conversationId: key, seq, ts: now, event };
    const departed = type.data === "left" || type.data === "kicked";
    return () => {
      publish(to, "chat.message.created.v1", {
        entry,
        sender: null,
        group: { id: group.id, name: group.name },
        preview: "",
      });
      if (departed && conv.mlsEpoch !== null) onDeparture?.(key);
    };
  }

  /** One transaction: up to BATCH events after the cursor. Resolves with how many it appended. */
  function step(): Promise<number> {
    return writer.submit(async (tx, now) => {
      const q = queries(tx);
      await q.ensureCursor.run(CURSOR_NAME);
      const cursor = (await q.cursorForUpdate.get(CURSOR_NAME))?.value ?? 0;
      const rows = await q.groupEventsAfter.all(cursor, BATCH);
      if (rows.length === 0) return { value: 0 };
      const hooks: Array<(() => void) | undefined> = [];
      for (const row of rows) hooks.push(await apply(q, row, now));
      await q.setCursor.run(CURSOR_NAME, rows[rows.length - 1]!.id);
      return { value: rows.length, after: () => hooks.forEach((h) => h?.()) };
    });
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      while ((await step()) === BATCH);
    } while (again);
  }

  return {
    /** Resolves once no catch-up is running. */
    async settled(): Promise<void> {
      while (running) await running.catch(() => undefined);
    },
    /** Catches up with every GroupEvent committed so far; concurrent calls coalesce. */
    catchUp(): Promise<void> {
      if (running) {
        again = true;
        return running;
      }
      running = drain().finally(() => (running = undefined));
      return running;
    },
  };
}
