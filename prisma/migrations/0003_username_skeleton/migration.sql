-- Review item 4: every username reserves its UTS #39 confusable skeleton. Existing rows get NULL
-- here (SQLite's unique index allows many NULLs); the auth service fills them in at start, since the
-- skeleton needs the Unicode confusables table (services/auth/src/skeleton.ts).

-- AlterTable
ALTER TABLE "User" ADD COLUMN "usernameSkeleton" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "User_usernameSkeleton_key" ON "User"("usernameSkeleton");
