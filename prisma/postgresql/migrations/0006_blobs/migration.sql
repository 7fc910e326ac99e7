-- Attachments: blobs and their stored chunks (services/chat blobs.ts, docs/protocol/chat.md "Attachments").
-- CreateTable
CREATE TABLE "Blob" (
    "id" TEXT NOT NULL,
    "uploaderId" INTEGER NOT NULL,
    "conversationId" TEXT NOT NULL,
    "size" DOUBLE PRECISION NOT NULL,
    "chunks" INTEGER NOT NULL,
    "createdMs" DOUBLE PRECISION NOT NULL,
    "committedMs" DOUBLE PRECISION,

    CONSTRAINT "Blob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BlobChunk" (
    "blobId" TEXT NOT NULL,
    "idx" INTEGER NOT NULL,

    CONSTRAINT "BlobChunk_pkey" PRIMARY KEY ("blobId","idx")
);

-- CreateIndex
CREATE INDEX "Blob_uploaderId_idx" ON "Blob"("uploaderId");

-- CreateIndex
CREATE INDEX "Blob_committedMs_createdMs_idx" ON "Blob"("committedMs", "createdMs");
