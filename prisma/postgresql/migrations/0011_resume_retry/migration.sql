-- A resume retried after a lost reply is not reuse (docs/PROTOCOL.md 9.3): the ticket the session's latest resume consumed.
-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "lastTicket" TEXT;
