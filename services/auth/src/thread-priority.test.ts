import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync, readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { niceHelperThreads } from "./thread-priority.js";

/** A thread's nice value, from /proc (the 19th field of stat; the 17th after the parenthesised name). */
function niceOf(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

const threadsOf = (pid: number) => readdirSync(`/proc/${pid}/task`).map(Number);

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill();
  child = undefined;
});

/** Another node process whose thread pool is running (so the test does not renice its own runner). */
async function poolProcess(): Promise<number> {
  child = spawn(
    process.execPath,
    ["-e", `require("crypto").pbkdf2("x","y",1,32,"sha256",()=>{console.log("up");setInterval(()=>{},1000)})`],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await once(child.stdout!, "data");
  return child.pid!;
}

describe.runIf(process.platform === "linux")("niceHelperThreads", () => {
  it("lowers every thread but the main one", async () => {
    const pid = await poolProcess();
    const mainBefore = niceOf(pid, pid);
    const result = niceHelperThreads(7, pid);
    // The main thread, V8's helpers and libuv's four pool threads.
    expect(result.threads).toBeGreaterThanOrEqual(4);
    expect(niceOf(pid, pid)).toBe(mainBefore);
    for (const tid of threadsOf(pid).filter((t) => t !== pid)) expect(niceOf(pid, tid)).toBe(7);
  });

  it("never raises a thread's nice value back, and nice 0 changes nothing", async () => {
    const pid = await poolProcess();
    niceHelperThreads(9, pid);
    niceHelperThreads(4, pid);
    for (const tid of threadsOf(pid).filter((t) => t !== pid)) expect(niceOf(pid, tid)).toBe(9);
    expect(niceHelperThreads(0, pid)).toEqual({ threads: 0, skipped: "nice 0" });
  });

  it("rejects a value outside 0-19", () => {
    expect(() => niceHelperThreads(20)).toThrow(RangeError);
    expect(() => niceHelperThreads(-1)).toThrow(RangeError);
    expect(() => niceHelperThreads(1.5)).toThrow(RangeError);
  });
});
