-- Rotating the history backup's key: the links back to older keys and the wraps to the remaining devices (docs/E2E.md section 12).
-- CreateTable
CREATE TABLE "BackupKeyLink" (
    "userId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "sealed" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BackupKeyLink_pkey" PRIMARY KEY ("userId","version")
);

-- CreateTable
CREATE TABLE "BackupDeviceWrap" (
    "deviceId" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "keyPackageRef" TEXT NOT NULL,
    "enc" TEXT NOT NULL,
    "sealed" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BackupDeviceWrap_pkey" PRIMARY KEY ("deviceId")
);

-- CreateIndex
CREATE INDEX "BackupDeviceWrap_userId_idx" ON "BackupDeviceWrap"("userId");

-- AddForeignKey
ALTER TABLE "BackupKeyLink" ADD CONSTRAINT "BackupKeyLink_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupDeviceWrap" ADD CONSTRAINT "BackupDeviceWrap_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;
