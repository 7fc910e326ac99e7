/**
 * Lowers the scheduling priority of this process's helper threads (libuv's thread pool, where
 * argon2 hashes, and V8's), leaving the main thread's as it is. On one machine with the gateway and
 * chat, a login storm's hashes (argon2 p=4: four threads each, two hashes at once) would otherwise
 * take every core, and the gateway's event loop waits for a CPU (BENCHMARKS.md, "S5: the login
 * storm and auth's priority"). Niced, the hashes still use every idle cycle.
 */
import { readdirSync } from "node:fs";
import os from "node:os";

export interface NiceResult {
  /** Threads whose priority was lowered. */
  threads: number;
  /** Why nothing was done, when nothing was. */
  skipped?: string;
}

/**
 * Linux only: a nice value there belongs to a thread (setpriority(2) on a thread id), and a thread
 * inherits its creator's, so argon2's lane threads, started by a pool thread, inherit it too. Call
 * after the thread pool exists (after the first hash): libuv starts its threads on first use.
 */
export function niceHelperThreads(nice: number, pid = process.pid): NiceResult {
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new RangeError("nice must be an integer from 0 to 19");
  if (nice === 0) return { threads: 0, skipped: "nice 0" };
  if (process.platform !== "linux") return { threads: 0, skipped: `not on ${process.platform}` };
  let threads = 0;
  for (const entry of readdirSync(`/proc/${pid}/task`)) {
    const tid = Number(entry);
    // A process's main thread has the process's id.
    if (!Number.isInteger(tid) || tid === pid) continue;
    try {
      // Only ever lowers: a thread already nicer than asked keeps its value.
      if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
      threads++;
    } catch (err) {
      // A thread that ended between the listing and the call has nothing left to lower.
      if (!isNoSuchThread(err)) throw err;
    }
  }
  return { threads };
}

/** node reports ESRCH as ERR_SYSTEM_ERROR with the errno in `info`. */
function isNoSuchThread(err: unknown): boolean {
  if (!(err instanceof Error) || !("info" in err)) return false;
  const { info } = err;
  return typeof info === "object" && info !== null && "code" in info && info.code === "ESRCH";
}
