-- AlterTable
-- Written by hand: `prisma migrate diff` redefines the whole Message table (a copy of every message)
-- to add a column; SQLite adds one with a constant default in place, giving the same schema.
ALTER TABLE "Message" ADD COLUMN "notify" BOOLEAN NOT NULL DEFAULT false;
