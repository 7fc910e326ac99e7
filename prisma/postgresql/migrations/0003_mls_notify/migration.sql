-- AlterTable
ALTER TABLE "Message" ADD COLUMN "notify" BOOLEAN NOT NULL DEFAULT false;
