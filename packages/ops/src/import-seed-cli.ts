/**
 * `npm run db:import-seed -- path/to/chat.db [--timezone ZONE] [--json]` (scripts/import-seed.mjs):
 * imports the original chat room into DATABASE_URL (default file:./data/sealroom.db), which must be
 * migrated. Prints the report; with --json, the report as JSON on stdout and nothing else.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { createDb } from "@sealroom/db";
import { checkTimeZone, systemTimeZone } from "./local-time.js";
import { importSeed } from "./seed-import.js";
import { changedAnything, formatSeedReport } from "./seed-report.js";

const USAGE = "usage: npm run db:import-seed -- path/to/chat.db [--timezone Europe/Berlin] [--json]";

export async function importSeedCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const say = (line: string) => console.error(`import-seed: ${line}`);
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { timezone: { type: "string" }, json: { type: "boolean", default: false } },
    });
  } catch (err) {
    say(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const [source, ...extra] = args.positionals;
  if (!source || extra.length > 0) {
    say(USAGE);
    return 2;
  }
  let timeZone: string;
  try {
    timeZone = checkTimeZone(args.values.timezone ?? systemTimeZone());
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    return 2;
  }
  if (!existsSync(source)) {
    say(`${source} does not exist`);
    return 1;
  }
  const url = env.DATABASE_URL ?? "file:./data/sealroom.db";
  // createDb would create a missing SQLite file: an empty, unmigrated database left behind.
  if (url.startsWith("file:") && !existsSync(url.slice("file:".length))) {
    say(`${url} does not exist: run \`npm run db:migrate\` first`);
    return 1;
  }
  const db = await createDb({ url });
  try {
    try {
      await db.cursor.count();
    } catch {
      say(`${url} is not a migrated Sealroom database: run \`npm run db:migrate\` first`);
      return 1;
    }
    const report = await importSeed({ source, db, timeZone, progress: say });
    if (args.values.json) console.log(JSON.stringify(report, null, 2));
    else {
      for (const line of formatSeedReport(report)) console.log(line);
      console.log(changedAnything(report) ? "import-seed: done" : "import-seed: nothing new to import");
    }
    return 0;
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    return 1;
  } finally {
    await db.$disconnect();
  }
}
