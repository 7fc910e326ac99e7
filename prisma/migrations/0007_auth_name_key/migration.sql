-- Throttle rows no longer name the account in plaintext ("u:<typed name>", which may be a password
-- typed into the username field): they carry a keyed hash under a per-deployment secret, created by
-- the first auth instance to start (services/auth/src/namekey.ts) and kept here so every instance
-- and every restart uses the same one. Written by hand (see scripts/prisma.mjs).

-- CreateTable
CREATE TABLE "AuthSecret" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The existing per-account rows hold typed names and no longer match any key: dropped. They would
-- have expired within the throttle window (1 h by default) anyway; an account under attack at the
-- moment of the upgrade starts a fresh count. Address rows ("ip:", "reg:") are kept.
DELETE FROM "AuthThrottle" WHERE "key" LIKE 'u:%';
