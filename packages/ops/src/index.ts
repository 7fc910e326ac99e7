export {
  importSeed,
  importedMessageId,
  GROUP_MAPPING,
  USER_MAPPING,
  type SeedImportOptions,
  type SeedReport,
} from "./seed-import.js";
export { formatSeedReport, changedAnything } from "./seed-report.js";
export { importSeedCli } from "./import-seed-cli.js";
export { checkTimeZone, parseLocalTime, systemTimeZone } from "./local-time.js";
export { copyDatabase, verifyCopy, CopyRefused, TABLES, type CopyOptions, type CopyResult } from "./db-copy.js";
export { dbCopyCli } from "./db-copy-cli.js";
