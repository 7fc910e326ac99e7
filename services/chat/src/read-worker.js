// @ts-check
/**
 * The reader thread's entry (read-pool.ts, read-thread.ts). JavaScript for the reason
 * checkpoint-worker.js gives: a worker thread starts from a file, Node 20 cannot run a .ts file,
 * and the tests run the sources. From dist/ it loads the compiled read-thread.js; when the parent
 * runs from src/ (the tests), it first registers source-loader.js, which lets Node load the
 * TypeScript sources the way Vitest does.
 */
import { register } from "node:module";
import { parentPort, workerData } from "node:worker_threads";

/** @typedef {import("./read-pool.js").ReadWorkerData} ReadWorkerData */

const port = parentPort;
if (!port) throw new Error("read-worker.js runs only as a worker thread");
const data = /** @type {ReadWorkerData} */ (workerData);
if (data.fromSource) register("./source-loader.js", import.meta.url);
/** @type {typeof import("./read-thread.js")} */
const thread = await import(data.fromSource ? "./read-thread.ts" : "./read-thread.js");
thread.serveReads(port, data);
