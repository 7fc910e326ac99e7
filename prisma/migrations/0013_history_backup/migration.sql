-- The encrypted history backup: the backup key auth keeps, the archive chat keeps and its usage (docs/PROTOCOL.md section 9.8).
-- CreateTable
CREATE TABLE "BackupKey" (
    "userId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "version" INTEGER NOT NULL,
    "check" TEXT NOT NULL,
    "passphrase" TEXT,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "BackupKey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ArchiveEntry" (
    "userId" INTEGER NOT NULL,
    "conversationId" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "keyVersion" INTEGER NOT NULL,
    "sealed" BLOB NOT NULL,

    PRIMARY KEY ("userId", "conversationId", "seq"),
    CONSTRAINT "ArchiveEntry_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ArchiveUsage" (
    "userId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "bytes" REAL NOT NULL DEFAULT 0,
    CONSTRAINT "ArchiveUsage_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
