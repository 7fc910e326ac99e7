// @ts-check
/**
 * The checkpointer's worker thread (checkpointer.ts explains why checkpoints run here): its own
 * connection to the database file, a PASSIVE checkpoint every `intervalMs`, errors reported to the
 * parent, and a clean close on "stop".
 *
 * JavaScript checked by tsc (allowJs + checkJs, this package's tsconfig), not TypeScript: a worker
 * thread is started from a file, and Node 20 cannot run a .ts file, so a .ts worker would exist
 * only in dist/ and the tests, which run the sources, could not start it. This file runs unchanged
 * from src/ and, copied by tsc, from dist/.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

/**
 * @typedef {object} CheckpointWorkerData
 * @property {string} file the SQLite database file (it must exist)
 * @property {number} intervalMs time between checkpoints
 */
/** @typedef {{ error: string }} CheckpointWorkerMessage what the worker posts: a failed checkpoint */
/** @typedef {"stop"} CheckpointWorkerCommand what the parent posts: checkpoint no more, close, exit */

const port = parentPort;
if (!port) throw new Error("checkpoint-worker.js runs only as a worker thread");
const { file, intervalMs } = /** @type {CheckpointWorkerData} */ (workerData);

const sqlite = new Database(file, { fileMustExist: true });
sqlite.pragma("busy_timeout = 1000");
const timer = setInterval(() => {
  try {
    sqlite.pragma("wal_checkpoint(PASSIVE)");
  } catch (err) {
    /** @type {CheckpointWorkerMessage} */
    const message = { error: String(err instanceof Error ? err.message : undefined) };
    port.postMessage(message);
  }
}, intervalMs);

port.on("message", (/** @type {CheckpointWorkerCommand} */ m) => {
  if (m === "stop") {
    clearInterval(timer);
    sqlite.close();
    port.close();
  }
});
