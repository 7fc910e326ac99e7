-- Group pictures (issue #16): one image per group, shown to its members and invitees (docs/protocol/social.md, "Group pictures").
-- AlterTable
ALTER TABLE "Group" ADD COLUMN     "avatar" TEXT;

-- CreateTable
CREATE TABLE "GroupAvatar" (
    "groupId" INTEGER NOT NULL,
    "version" TEXT NOT NULL,
    "mime" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GroupAvatar_pkey" PRIMARY KEY ("groupId")
);
