-- Per-user conversation settings (mute, pin, archive, marked unread): docs/protocol/chat.md.
-- CreateTable
CREATE TABLE "ConversationSetting" (
    "userId" INTEGER NOT NULL,
    "conversationKey" TEXT NOT NULL,
    "muted" BOOLEAN NOT NULL DEFAULT false,
    "mutedUntilMs" REAL,
    "pinned" BOOLEAN NOT NULL DEFAULT false,
    "archivedSeq" INTEGER,
    "markedUnread" BOOLEAN NOT NULL DEFAULT false,
    "updatedMs" REAL NOT NULL,

    PRIMARY KEY ("userId", "conversationKey")
);
