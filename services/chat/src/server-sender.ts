/**
 * The server's MLS external sender (docs/E2E.md section 3, "Membership sync"): one Ed25519 key pair
 * per installation, listed in every group's external_senders extension, with which the reconciler
 * signs Remove proposals. It is kept in the AuthSecret table, under a chat-owned name: every chat
 * instance must sign with the same key (groups list one), and it must outlive restarts (a new key
 * would orphan every existing group's listing). AuthSecret is the installation's table of
 * generated secrets already; a table of its own would need a migration for one row.
 *
 * The first instance to start creates it; the others read the same row (as auth's name key,
 * services/auth/src/namekey.ts). Whoever holds the database holds this key too: it lets them
 * propose removals, nothing else (it cannot add anyone, commit, or read anything: SECURITY.md).
 */
import { ExternalSenderKey } from "@sealroom/e2e";
import { Prisma, type Db } from "@sealroom/db";

export const SERVER_SENDER_SECRET = "chat.mls-external-sender";

export async function loadServerSender(db: Db): Promise<ExternalSenderKey> {
  const read = () => db.authSecret.findUnique({ where: { name: SERVER_SENDER_SECRET }, select: { value: true } });
  let row = await read();
  if (!row) {
    const created = await ExternalSenderKey.create();
    try {
      const value = Buffer.from(created.exportState()).toString("base64url");
      await db.authSecret.create({ data: { name: SERVER_SENDER_SECRET, value } });
    } catch (err) {
      // Another instance created it first: use theirs.
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002")) throw err;
    }
    row = await read();
  }
  if (!row) throw new Error(`AuthSecret ${SERVER_SENDER_SECRET} vanished`);
  return ExternalSenderKey.importState(new Uint8Array(Buffer.from(row.value, "base64url")));
}
