-- Attachments: blobs and their stored chunks (services/chat blobs.ts, docs/protocol/chat.md "Attachments").
-- CreateTable
CREATE TABLE "Blob" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "uploaderId" INTEGER NOT NULL,
    "conversationId" TEXT NOT NULL,
    "size" REAL NOT NULL,
    "chunks" INTEGER NOT NULL,
    "createdMs" REAL NOT NULL,
    "committedMs" REAL
);

-- CreateTable
CREATE TABLE "BlobChunk" (
    "blobId" TEXT NOT NULL,
    "idx" INTEGER NOT NULL,

    PRIMARY KEY ("blobId", "idx")
);

-- CreateIndex
CREATE INDEX "Blob_uploaderId_idx" ON "Blob"("uploaderId");

-- CreateIndex
CREATE INDEX "Blob_committedMs_createdMs_idx" ON "Blob"("committedMs", "createdMs");
