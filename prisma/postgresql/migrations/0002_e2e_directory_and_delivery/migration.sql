-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "mlsEpoch" INTEGER;

-- CreateTable
CREATE TABLE "Device" (
    "id" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "sessionId" TEXT NOT NULL,
    "signatureKey" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastActiveAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KeyPackage" (
    "ref" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "lastResort" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KeyPackage_pkey" PRIMARY KEY ("ref")
);

-- CreateTable
CREATE TABLE "MlsGroupInfo" (
    "conversationId" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "data" TEXT NOT NULL,
    "updatedMs" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "MlsGroupInfo_pkey" PRIMARY KEY ("conversationId")
);

-- CreateTable
CREATE TABLE "MlsWelcome" (
    "id" SERIAL NOT NULL,
    "deviceId" TEXT NOT NULL,
    "conversationId" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "data" TEXT NOT NULL,
    "createdMs" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "MlsWelcome_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Device_sessionId_key" ON "Device"("sessionId");

-- CreateIndex
CREATE INDEX "Device_userId_idx" ON "Device"("userId");

-- CreateIndex
CREATE INDEX "KeyPackage_deviceId_lastResort_idx" ON "KeyPackage"("deviceId", "lastResort");

-- CreateIndex
CREATE INDEX "MlsWelcome_deviceId_id_idx" ON "MlsWelcome"("deviceId", "id");

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KeyPackage" ADD CONSTRAINT "KeyPackage_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MlsWelcome" ADD CONSTRAINT "MlsWelcome_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;
