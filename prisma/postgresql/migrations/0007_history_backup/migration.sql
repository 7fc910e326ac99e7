-- The encrypted history backup: the backup key auth keeps, the archive chat keeps and its usage (docs/PROTOCOL.md section 9.8).
-- CreateTable
CREATE TABLE "BackupKey" (
    "userId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "check" TEXT NOT NULL,
    "passphrase" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BackupKey_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "ArchiveEntry" (
    "userId" INTEGER NOT NULL,
    "conversationId" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "keyVersion" INTEGER NOT NULL,
    "sealed" BYTEA NOT NULL,

    CONSTRAINT "ArchiveEntry_pkey" PRIMARY KEY ("userId","conversationId","seq")
);

-- CreateTable
CREATE TABLE "ArchiveUsage" (
    "userId" INTEGER NOT NULL,
    "bytes" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "ArchiveUsage_pkey" PRIMARY KEY ("userId")
);

-- AddForeignKey
ALTER TABLE "BackupKey" ADD CONSTRAINT "BackupKey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArchiveEntry" ADD CONSTRAINT "ArchiveEntry_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArchiveUsage" ADD CONSTRAINT "ArchiveUsage_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
