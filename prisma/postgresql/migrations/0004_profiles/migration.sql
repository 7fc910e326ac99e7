-- Profiles (display name, about line) and group topics: docs/protocol/social.md.
-- AlterTable
ALTER TABLE "User" ADD COLUMN     "about" TEXT,
ADD COLUMN     "displayName" TEXT;

-- AlterTable
ALTER TABLE "Group" ADD COLUMN     "topic" TEXT NOT NULL DEFAULT '';

