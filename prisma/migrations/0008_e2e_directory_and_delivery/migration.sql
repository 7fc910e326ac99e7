-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN "mlsEpoch" INTEGER;

-- CreateTable
CREATE TABLE "Device" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" INTEGER NOT NULL,
    "sessionId" TEXT NOT NULL,
    "signatureKey" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastActiveAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Device_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "KeyPackage" (
    "ref" TEXT NOT NULL PRIMARY KEY,
    "deviceId" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "lastResort" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "KeyPackage_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "MlsGroupInfo" (
    "conversationId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "epoch" INTEGER NOT NULL,
    "data" TEXT NOT NULL,
    "updatedMs" REAL NOT NULL
);

-- CreateTable
CREATE TABLE "MlsWelcome" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "deviceId" TEXT NOT NULL,
    "conversationId" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "data" TEXT NOT NULL,
    "createdMs" REAL NOT NULL,
    CONSTRAINT "MlsWelcome_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Device_sessionId_key" ON "Device"("sessionId");

-- CreateIndex
CREATE INDEX "Device_userId_idx" ON "Device"("userId");

-- CreateIndex
CREATE INDEX "KeyPackage_deviceId_lastResort_idx" ON "KeyPackage"("deviceId", "lastResort");

-- CreateIndex
CREATE INDEX "MlsWelcome_deviceId_id_idx" ON "MlsWelcome"("deviceId", "id");
