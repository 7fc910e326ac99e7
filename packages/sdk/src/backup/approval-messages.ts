/**
 * The device approval's messages (docs/E2E.md section 12), the JSON bodies of
 * auth.backup.deviceMessage: the server relays them between one user's devices and reads nothing
 * secret in them (public keys, a commitment, the backup key sealed for the new device).
 */
import { z } from "zod";
import { BACKUP_LIMITS, backupKeyVersionSchema } from "@sealroom/proto/backup";

/** 16 random bytes, base64url (new devices make them; an old device only echoes one back). */
const requestIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/);
/** An uncompressed P-256 point (65 bytes). */
const publicKeySchema = z.string().regex(/^[A-Za-z0-9_-]{87}$/);

export const approvalMessageSchema = z.discriminatedUnion("t", [
  /** New device to all: "give me the key"; `commit` = SHA-256 of its public key (43 characters). */
  z.strictObject({ t: z.literal("request"), id: requestIdSchema, commit: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
  /** Old device to the new one, once its user chose to compare: its public key. */
  z.strictObject({ t: z.literal("offer"), id: requestIdSchema, pk: publicKeySchema }),
  /** New device to the old one whose offer it took: its public key (must match the commitment). */
  z.strictObject({ t: z.literal("key"), id: requestIdSchema, pk: publicKeySchema }),
  /** Old device to the new one, after the user confirmed the codes match: the sealed backup key. */
  z.strictObject({
    t: z.literal("grant"),
    id: requestIdSchema,
    version: backupKeyVersionSchema,
    wrapped: z.string().regex(/^[A-Za-z0-9_-]{38,171}$/),
  }),
  /** Old device to the new one: refused (codes differ, or not me). */
  z.strictObject({ t: z.literal("decline"), id: requestIdSchema }),
  /** New device to the others: it stopped asking. */
  z.strictObject({ t: z.literal("cancel"), id: requestIdSchema }),
]);
export type ApprovalMessage = z.infer<typeof approvalMessageSchema>;

/** A device message's body as sent (always within the relay's limit: every field is bounded). */
export function encodeApprovalMessage(message: ApprovalMessage): string {
  const body = JSON.stringify(message);
  if (body.length > BACKUP_LIMITS.deviceMessageMax) throw new Error("approval message too long");
  return body;
}

/** The message of a body, or undefined for anything else (another protocol's, malformed, too long). */
export function parseApprovalMessage(body: string): ApprovalMessage | undefined {
  if (body.length > BACKUP_LIMITS.deviceMessageMax) return undefined;
  try {
    const parsed = approvalMessageSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
