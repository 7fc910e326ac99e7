/**
 * The authorization matrix's shared parts: every cell (command x role) that the family tables
 * (auth.ts, keys.ts, social.ts, chat.ts) run is recorded here, so test/authz-matrix.test.ts can check
 * coverage against the command registry and print one summary.
 */
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
