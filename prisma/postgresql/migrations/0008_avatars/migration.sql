-- Profile pictures (issue #16): one image per user, shown to the profile audience (docs/protocol/social.md, "Avatars").
-- CreateTable
CREATE TABLE "Avatar" (
    "userId" INTEGER NOT NULL,
    "version" TEXT NOT NULL,
    "mime" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Avatar_pkey" PRIMARY KEY ("userId")
);

-- AddForeignKey
ALTER TABLE "Avatar" ADD CONSTRAINT "Avatar_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
