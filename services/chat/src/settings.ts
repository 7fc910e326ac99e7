/**
 * The user's own settings of a conversation (chat.settings.set): mute (forever or until a time),
 * pin, archive, marked unread. One ConversationSetting row per user and conversation id, written by
 * the writer like everything else, announced to the user's devices (chat.settings.v1) after commit,
 * and returned with each summary of chat.conversations. Server-side metadata: the service sees it,
 * nobody else does.
 *
 * Archive keeps the conversation's lastSeq at the moment (`archivedSeq`) instead of being cleared
 * by the message write (which stays as it was): a conversation is archived while no message of
 * someone else arrived after that seq, or while it is muted (Telegram's rule: a muted archived
 * chat stays archived). Once such a message exists it is not archived any more, for good, until
 * archived again.
 */
import { isMuted, NO_SETTINGS, type ConversationSettings, type settingsBody } from "@sealroom/proto/chat";
import type { z } from "zod";
import type { SqlDb } from "@sealroom/db/sql";
import type { Clock } from "@sealroom/runtime";
import { resolveAccess, visibleEnd } from "./access.js";
import type { Publish } from "./publish.js";
import { queries, type Queries, type SettingRow } from "./queries.js";
import type { Writer } from "./writer.js";

export interface SettingsDeps {
  db: SqlDb;
  writer: Writer;
  publish: Publish;
  clock: Clock;
}

/** Where a conversation stands for the user, as far as archiving needs it. */
export interface ArchiveContext {
  /** The conversation's row id (null: nothing written yet). */
  convId: number | null;
  userId: number;
  /** A former member's last readable seq. */
  upTo?: number;
}

/**
 * The settings a row stands for at `now`: `archived` only while nothing of someone else arrived
 * after `archivedSeq`, or while muted.
 */
export async function settingsOf(
  q: Queries,
  row: SettingRow | undefined,
  at: ArchiveContext,
  now: number,
): Promise<ConversationSettings> {
  if (!row) return NO_SETTINGS;
  const settings: ConversationSettings = {
    muted: row.muted ? { until: row.mutedUntilMs === null ? null : Math.trunc(row.mutedUntilMs) } : null,
    pinned: Boolean(row.pinned),
    archived: false,
    markedUnread: Boolean(row.markedUnread),
  };
  if (row.archivedSeq !== null) {
    settings.archived = isMuted(settings, now) || !(await newFromOthers(q, at, row.archivedSeq));
  }
  return settings;
}

/** Whether a message of someone else (text, or a new encrypted one) came after `seq`. */
async function newFromOthers(q: Queries, { convId, userId, upTo }: ArchiveContext, seq: number): Promise<boolean> {
  if (convId === null) return false;
  const n =
    upTo === undefined
      ? await q.unread.get(convId, seq, userId, 1)
      : await q.unreadUpTo.get(convId, seq, upTo, userId, 1);
  return (n?.n ?? 0) > 0;
}

type SettingsChange = Omit<z.infer<typeof settingsBody>, "conversationId">;

export function createSettings({ writer, publish }: SettingsDeps) {
  return {
    /** Applies `change` to the caller's settings of `key` (a conversation they may read). */
    set(
      userId: number,
      key: string,
      change: SettingsChange,
    ): Promise<{ conversationId: string; settings: ConversationSettings }> {
      return writer.submit(
        async (tx, now) => {
          const q = queries(tx);
          const access = await resolveAccess(q, userId, key, "read");
          const conv = access.conv;
          const upTo = access.kind === "group" && access.former ? access.former.leftSeq : undefined;
          const at: ArchiveContext = { convId: conv?.id ?? null, userId, ...(upTo === undefined ? {} : { upTo }) };
          const row = await q.setting.get(userId, key);
          const current = await settingsOf(q, row, at, now);
          const muted = change.muted === undefined ? current.muted : change.muted;
          // Archiving again keeps the seq it was archived at; archiving anew starts from now.
          const archivedSeq =
            change.archived === undefined
              ? current.archived
                ? (row?.archivedSeq ?? null)
                : null
              : change.archived
                ? current.archived
                  ? (row?.archivedSeq ?? 0)
                  : visibleEnd(access, conv?.lastSeq ?? 0)
                : null;
          const pinned = change.pinned ?? current.pinned;
          const markedUnread = change.markedUnread ?? current.markedUnread;
          const bit = (b: boolean): 0 | 1 => (b ? 1 : 0);
          await q.putSetting.run(
            userId,
            key,
            bit(muted !== null),
            muted?.until ?? null,
            bit(pinned),
            archivedSeq,
            bit(markedUnread),
            now,
          );
          const settings = await settingsOf(q, await q.setting.get(userId, key), at, now);
          return {
            value: { conversationId: key, settings },
            after: () => publish([userId], "chat.settings.v1", { conversationId: key, settings }),
          };
        },
        { key },
      );
    },
  };
}

/**
 * Inside chat.markRead's job: reading clears "marked unread". Returns the settings to announce
 * when it did (undefined: nothing changed).
 */
export async function clearMarkedUnread(
  q: Queries,
  key: string,
  at: ArchiveContext,
  now: number,
): Promise<ConversationSettings | undefined> {
  const { changes } = await q.clearMarkedUnread.run(now, at.userId, key);
  if (changes === 0) return undefined;
  return settingsOf(q, await q.setting.get(at.userId, key), at, now);
}

/** Every settings row of the user, by conversation id (for chat.conversations). */
export async function settingsRows(q: Queries, userId: number): Promise<Map<string, SettingRow>> {
  return new Map((await q.mySettings.all(userId)).map((r) => [r.conversationKey, r]));
}
