/**
 * `npm run db:copy -- --from file:data/sealroom.db --to postgresql://... [--batch 1000]`
 * (scripts/db-copy.mjs): copies into an empty migrated database, then prints the verification.
 * Exit 0 only when the copy is verified.
 */
import { parseArgs } from "node:util";
import { redactUrl as redact } from "@sealroom/db";
import { copyDatabase, CopyRefused } from "./db-copy.js";

const USAGE = "usage: npm run db:copy -- --from file:path/to/sealroom.db --to postgresql://user@host/db [--batch 1000]";

export async function dbCopyCli(argv: string[]): Promise<number> {
  const say = (line: string) => console.error(`db-copy: ${line}`);
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { from: { type: "string" }, to: { type: "string" }, batch: { type: "string", default: "1000" } },
    }));
  } catch (err) {
    say(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const batch = Number(values.batch);
  if (!values.from || !values.to || !Number.isInteger(batch) || batch < 1 || batch > 5000) {
    say(USAGE);
    return 2;
  }
  say(`copying ${redact(values.from)} -> ${redact(values.to)}`);
  try {
    const result = await copyDatabase({ from: values.from, to: values.to, batch, log: (line) => say(line) });
    console.log("table                 source   target");
    for (const t of result.tables) {
      console.log(
        `${t.table.padEnd(20)} ${String(t.source).padStart(7)}  ${String(t.target).padStart(7)}${t.source === t.target ? "" : "  MISMATCH"}`,
      );
    }
    console.log(`conversations checked: ${result.conversations} (seq 1..lastSeq, gapless, equal on both sides)`);
    console.log(`copy rate: ${result.rowsPerSecond} rows/s`);
    if (result.problems.length > 0) {
      for (const p of result.problems) console.log(`problem: ${p}`);
      say(`NOT verified: ${result.problems.length} problem(s)`);
      return 1;
    }
    say("verified: every table's row count and every conversation's seq range match");
    return 0;
  } catch (err) {
    say(err instanceof CopyRefused ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  }
}
