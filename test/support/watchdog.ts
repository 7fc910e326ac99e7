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

const limit = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

// CommonJS source for the thread: its own event loop, so it runs while the test's loop is blocked.
// It counts its own ticks instead of reading clocks: a paused virtual machine jumps the clocks on
// resume, and a time difference would then kill a healthy file. Missed beats are counted only across
// ticks, so after a pause the test's own overdue timer has one tick to beat again.
// It writes with fs.writeSync(2): process.stderr would go through the blocked main thread.
const watcher = `
const { workerData, parentPort } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { beat, stallS, fileMaxS } = workerData;
const TICK_S = 2;
let where = { file: "(setup)", test: "" };
let ticks = 0;
let missed = 0;
let last = Atomics.load(beat, 0);
parentPort.on("message", (m) => {
  if (m.file) ticks = 0;
  where = { ...where, ...m };
});
setInterval(() => {
  ticks++;
  const now = Atomics.load(beat, 0);
  missed = now === last ? missed + 1 : 0;
  last = now;
  const stalled = missed * TICK_S;
  const age = ticks * TICK_S;
  if (stalled < stallS && age < fileMaxS) return;
  const why = stalled >= stallS ? "its event loop has not run for " + stalled + " s" : "it has run for " + age + " s";
  writeSync(2, "\\n[watchdog] killing the test process of " + where.file + (where.test ? " (test: " + where.test + ")" : "") + ": " + why + "\\n");
  process.kill(process.pid, "SIGKILL");
}, TICK_S * 1000);
`;

const global = globalThis as { sealroomWatchdog?: Watch };

function start(): Watch {
  const beat = new Int32Array(new SharedArrayBuffer(4));
  setInterval(() => Atomics.add(beat, 0, 1), 1000).unref();
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

// A process that runs several files (no isolation) keeps one watcher; each file restarts its count.
const watch = (global.sealroomWatchdog ??= start());
watch.worker.postMessage({ file: expect.getState().testPath ?? "(unknown file)", test: "" });

beforeEach((context) => {
  watch.worker.postMessage({ test: context.task.name });
});
