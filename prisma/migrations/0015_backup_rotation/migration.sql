-- Rotating the history backup's key: the links back to older keys and the wraps to the remaining devices (docs/E2E.md section 12).
-- CreateTable
CREATE TABLE "BackupKeyLink" (
    "userId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "sealed" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("userId", "version"),
    CONSTRAINT "BackupKeyLink_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "BackupDeviceWrap" (
    "deviceId" TEXT NOT NULL PRIMARY KEY,
    "userId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "keyPackageRef" TEXT NOT NULL,
    "enc" TEXT NOT NULL,
    "sealed" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "BackupDeviceWrap_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "BackupDeviceWrap_userId_idx" ON "BackupDeviceWrap"("userId");
