-- Per-user conversation settings (mute, pin, archive, marked unread): docs/protocol/chat.md.
-- CreateTable
CREATE TABLE "ConversationSetting" (
    "userId" INTEGER NOT NULL,
    "conversationKey" TEXT NOT NULL,
    "muted" BOOLEAN NOT NULL DEFAULT false,
    "mutedUntilMs" DOUBLE PRECISION,
    "pinned" BOOLEAN NOT NULL DEFAULT false,
    "archivedSeq" INTEGER,
    "markedUnread" BOOLEAN NOT NULL DEFAULT false,
    "updatedMs" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "ConversationSetting_pkey" PRIMARY KEY ("userId","conversationKey")
);
