/**
 * The group timeline: every GroupEvent (the social service's durable outbox) becomes one `system`
 * entry in its group's conversation, in event order, exactly once. The consumer reads from a
 * persisted Cursor and advances it in the same transaction as the entries it appends, so a crash
 * or several chat instances never skip or repeat one. It runs at start, on each `evt.social.group`
 * doorbell, and periodically (a lost doorbell only delays an entry).
 *
 * It also keeps ConversationMember rows in step (a fresh span on join, leftSeq on leave or kick);
 * GroupMember (and, for a former member's reads, FormerMember) stays the truth for every permission check.
 */
import { groupConversationId, type SystemEntry, type SystemEvent } from "@sealroom/proto/chat";
import { groupEventDataSchema, groupEventTypeSchema, type GroupEventData } from "@sealroom/proto/social";
import type { Logger } from "@sealroom/runtime";
import { recipients, userOrPlaceholder, type Access } from "./access.js";
import { append, conversationFor } from "./entries.js";
import type { Publish } from "./publish.js";
import type { GroupEventRow, Queries } from "./queries.js";
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

export function createTimeline({
  q,
  writer,
  publish,
  log,
}: {
  q: Queries;
  writer: Writer;
  publish: Publish;
  log: Logger;
}) {
  let running: Promise<void> | undefined;
  let again = false;

  function person(id: number | null, name: string | undefined) {
    if (id === null) return null;
    return { id, username: name ?? userOrPlaceholder(q, id).username };
  }

  /** Appends the entry of one event; returns what to publish after commit (nothing for a vanished group). */
  function apply(row: GroupEventRow, now: number): (() => void) | undefined {
    const type = groupEventTypeSchema.safeParse(row.type);
    const group = q.group.get(row.groupId);
    if (!type.success || !group) {
      log.warn({ groupEventId: row.id }, "group event skipped");
      return undefined;
    }
    const data = dataOf(row.data);
    const event: SystemEvent = {
      groupEventId: row.id,
      type: type.data,
      actor: person(row.actorId, data.actorName),
      target: person(row.targetId, data.targetName),
      ...(data.name === undefined ? {} : { name: data.name }),
      ...(data.previousName === undefined ? {} : { previousName: data.previousName }),
      ...(data.role === undefined ? {} : { role: data.role }),
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
      conv: q.convByKey.get(key),
    };
    const conv = conversationFor(q, access, now);
    const { id, seq } = append(
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
        const member = q.groupMember.get(row.groupId, row.targetId);
        q.joinMember.run(conv.id, row.targetId, member?.joinedSeq ?? seq - 1);
      } else if (type.data === "left" || type.data === "kicked") {
        q.leaveMember.run(seq, conv.id, row.targetId);
      }
    }
    // The members at commit time: someone who left or was kicked meanwhile gets nothing.
    const to = recipients(q, access);
    const entry: SystemEntry = { kind: "system", id, conversationId: key, seq, ts: now, event };
    return () =>
      publish(to, "chat.message.created.v1", {
        entry,
        sender: null,
        group: { id: group.id, name: group.name },
        preview: "",
      });
  }

  /** One transaction: up to BATCH events after the cursor. Resolves with how many it appended. */
  function step(): Promise<number> {
    return writer.submit((now) => {
      const cursor = q.cursor.get(CURSOR_NAME)?.value ?? 0;
      const rows = q.groupEventsAfter.all(cursor, BATCH);
      if (rows.length === 0) return { value: 0 };
      const hooks = rows.map((row) => apply(row, now));
      q.setCursor.run(CURSOR_NAME, rows[rows.length - 1]!.id);
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
