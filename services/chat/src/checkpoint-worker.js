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

// The messages' types are declared in checkpointer.ts: TypeScript elsewhere (the tests' tsconfig,
// which has no allowJs) never has to read this file, which it reaches only as a URL.
/** @typedef {import("./checkpointer.js").CheckpointWorkerData} CheckpointWorkerData */
/** @typedef {import("./checkpointer.js").CheckpointWorkerMessage} CheckpointWorkerMessage */
/** @typedef {import("./checkpointer.js").CheckpointWorkerCommand} CheckpointWorkerCommand */

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
