/**
 * The authorization matrix's shared parts: every cell (command x role) that the family tables
 * (auth.ts, keys.ts, social.ts, chat.ts) run is recorded here, so test/authz-matrix.test.ts can check
 * coverage against the command registry and print one summary.
 */
import type { CommandType } from "@sealroom/proto/commands";
import type { SealroomClient } from "@sealroom/sdk/node";

export type Family = "auth" | "keys" | "social" | "chat";

export interface Cell {
  family: Family;
  /** The command, with the case's name where one command has several cases. */
  command: string;
  role: string;
  expected: string;
  got: string;
}

export const cells: Cell[] = [];

export function record(cell: Cell): void {
  cells.push(cell);
}

export function summary(list: Cell[] = cells) {
  const allows = list.filter((c) => c.got === "ok").length;
  return {
    cells: list.length,
    allows,
    denies: list.length - allows,
    unexpected: list.filter((c) => c.got !== c.expected).length,
    unexpectedAllows: list.filter((c) => c.got === "ok" && c.expected !== "ok").length,
  };
}

/**
 * One command on a connection of its own that never signs in. The gateway closes an anonymous
 * connection after its sign-in deadline (handshakeTimeoutMs, 10 s), so one client kept for a whole
 * table answered a cell "UNAVAILABLE: Not connected" when the cell fell in its reconnection (seen
 * in CI, on a loaded machine, for social.notices.ack); a fresh connection per cell is well inside it.
 */
export async function callAnonymously(
  stack: { client(): SealroomClient },
  type: CommandType,
  body: unknown,
): Promise<Awaited<ReturnType<SealroomClient["call"]>>> {
  const client = stack.client();
  try {
    await client.connect();
    return await client.call(type, body);
  } finally {
    client.close();
  }
}
