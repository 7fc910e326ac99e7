/**
 * A test file that hangs fails within minutes instead of holding the whole run until CI's deadline.
 *
 * Vitest's testTimeout and hookTimeout are timers on the test file's own event loop, so a loop that
 * never yields (a synchronous or microtask loop) or a process that never reports back stalls the
 * run with no message. This setup file starts a thread of its own in each test process that
 * watches two things: the event loop's heartbeat (stalled > SEALROOM_TEST_STALL_S, default 120 s)
 * and the file's age (> SEALROOM_TEST_FILE_MAX_S, default 900 s; the slowest file takes ~100 s).
 * On either it writes the file and test to stderr and kills the process, which Vitest reports as a
 * failed file while the other files go on.
 */
import { Worker } from "node:worker_threads";
import { beforeEach, expect } from "vitest";

interface Watch {
  beat: Int32Array;
  worker: Worker;
}

const seconds = () => Math.floor(Date.now() / 1000);
const limit = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

// CommonJS source for the thread: its own event loop, so it runs while the test's loop is blocked.
// It writes with fs.writeSync(2): process.stderr would go through the blocked main thread.
const watcher = `
const { workerData, parentPort } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { beat, stallS, fileMaxS } = workerData;
let where = { file: "(setup)", test: "", since: Math.floor(Date.now() / 1000) };
parentPort.on("message", (m) => { where = { ...where, ...m }; });
setInterval(() => {
  const now = Math.floor(Date.now() / 1000);
  const stalled = now - Atomics.load(beat, 0);
  const age = now - where.since;
  if (stalled < stallS && age < fileMaxS) return;
  const why = stalled >= stallS ? "its event loop has not run for " + stalled + " s" : "it has run for " + age + " s";
  writeSync(2, "\\n[watchdog] killing the test process of " + where.file + (where.test ? " (test: " + where.test + ")" : "") + ": " + why + "\\n");
  process.kill(process.pid, "SIGKILL");
}, 2000);
`;

const global = globalThis as { sealroomWatchdog?: Watch };

function start(): Watch {
  const beat = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(beat, 0, seconds());
  setInterval(() => Atomics.store(beat, 0, seconds()), 1000).unref();
  const worker = new Worker(watcher, {
    eval: true,
    workerData: {
      beat,
      stallS: limit("SEALROOM_TEST_STALL_S", 120),
      fileMaxS: limit("SEALROOM_TEST_FILE_MAX_S", 900),
    },
  });
  worker.unref();
  return { beat, worker };
}

// A process that runs several files (no isolation) keeps one watcher; each file restarts its clock.
const watch = (global.sealroomWatchdog ??= start());
watch.worker.postMessage({ file: expect.getState().testPath ?? "(unknown file)", test: "", since: seconds() });

beforeEach((context) => {
  watch.worker.postMessage({ test: context.task.name });
});
