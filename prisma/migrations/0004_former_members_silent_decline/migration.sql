-- CreateTable
CREATE TABLE "FormerMember" (
    "groupId" INTEGER NOT NULL,
    "userId" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "byId" INTEGER,
    "groupName" TEXT NOT NULL,
    "joinedSeq" INTEGER NOT NULL DEFAULT 0,
    "leftSeq" INTEGER NOT NULL DEFAULT 0,
    "removedAt" DATETIME NOT NULL,

    PRIMARY KEY ("groupId", "userId")
);

-- CreateIndex
CREATE INDEX "FormerMember_userId_idx" ON "FormerMember"("userId");

-- Backfill: everyone who left or was kicked before this migration keeps reading the history of their
-- span, up to and including the entry of their departure (the chat service's ConversationMember
-- row has both ends). Reason and remover come from their latest left/kicked GroupEvent.
INSERT INTO "FormerMember" ("groupId", "userId", "reason", "byId", "groupName", "joinedSeq", "leftSeq", "removedAt")
SELECT c."groupId", cm."userId",
       COALESCE(e."type", 'left'),
       CASE WHEN e."type" = 'kicked' THEN e."actorId" ELSE NULL END,
       g."name", cm."joinedSeq", cm."leftSeq", COALESCE(e."createdAt", CURRENT_TIMESTAMP)
FROM "ConversationMember" cm
JOIN "Conversation" c ON c."id" = cm."conversationId" AND c."kind" = 'group'
JOIN "Group" g ON g."id" = c."groupId"
LEFT JOIN "GroupEvent" e ON e."id" = (
    SELECT MAX(x."id") FROM "GroupEvent" x
    WHERE x."groupId" = c."groupId" AND x."targetId" = cm."userId" AND x."type" IN ('left', 'kicked'))
WHERE cm."leftSeq" IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "GroupMember" gm WHERE gm."groupId" = c."groupId" AND gm."userId" = cm."userId");

-- AlterTable: a declined request stays, marked, so the requester cannot tell it from a pending one.
ALTER TABLE "FriendRequest" ADD COLUMN "declinedAt" DATETIME;
