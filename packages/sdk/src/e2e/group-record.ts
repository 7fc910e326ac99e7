/**
 * What the engine keeps per conversation (docs/E2E.md section 6): the MLS group state, the last log
 * seq this device has applied to it (`seq`: where its own reading of the log resumes, apart from
 * the chat store's window) and the epoch it joined at (application messages of earlier epochs were
 * sent before it joined: not decryptable here by design, and not counted as failures).
 */
import { Group, type Device } from "@sealroom/e2e";
import { z } from "zod";

export interface GroupRecord {
  group: Group;
  seq: number;
  joinedEpoch: bigint;
}

const MAGIC = "sealroom-sdk-group:1";
const groupHeaderSchema = z.object({
  magic: z.literal(MAGIC),
  seq: z.number().int().nonnegative(),
  joinedEpoch: z.string().regex(/^\d+$/),
});

export function encodeGroupRecord(record: GroupRecord): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({ magic: MAGIC, seq: record.seq, joinedEpoch: record.joinedEpoch.toString() }),
  );
  const state = record.group.exportState();
  const out = new Uint8Array(4 + header.length + state.length);
  new DataView(out.buffer).setUint32(0, header.length);
  out.set(header, 4);
  out.set(state, 4 + header.length);
  return out;
}

/** The record, or undefined for bytes that are not one (a state this device cannot use). */
export function decodeGroupRecord(bytes: Uint8Array, device: Device): GroupRecord | undefined {
  if (bytes.length < 4) return undefined;
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (4 + len > bytes.length) return undefined;
  try {
    const header = groupHeaderSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len))));
    if (!header.success) return undefined;
    const group = Group.importState(bytes.subarray(4 + len), device);
    return { group, seq: header.data.seq, joinedEpoch: BigInt(header.data.joinedEpoch) };
  } catch {
    return undefined;
  }
}
