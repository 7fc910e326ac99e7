-- Profiles (display name, about line) and group topics: docs/protocol/social.md.
-- AlterTable
ALTER TABLE "User" ADD COLUMN "about" TEXT;
ALTER TABLE "User" ADD COLUMN "displayName" TEXT;

-- AlterTable: a column with a constant default needs no table rebuild in SQLite (the generated
-- diff redefined "Group"; the result is the same table).
ALTER TABLE "Group" ADD COLUMN "topic" TEXT NOT NULL DEFAULT '';
