// Child processes of `npm start`: spawn with a name, notice exits, stop with a deadline.
import { spawn } from "node:child_process";

/**
 * Starts `cmd args` as a named child. Children get their own process group (`detached`), so a
 * Ctrl-C on the terminal reaches only start.mjs, which then stops them in order.
 * `exited` resolves with { code, signal } once the process is gone (or failed to spawn).
 */
export function startChild(name, cmd, args, { env, cwd, stdio = ["ignore", "inherit", "inherit"] }) {
  const proc = spawn(cmd, args, { env, cwd, stdio, detached: true });
  const exited = new Promise((resolve) => {
    proc.once("error", (err) => resolve({ code: null, signal: null, error: err }));
    proc.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const child = { name, proc, exited, done: false };
  exited.then(() => (child.done = true));
  return child;
}

/** SIGTERM, then SIGKILL if the child is still there after `graceMs`. Resolves once it is gone. */
export async function stopChild(child, graceMs = 10_000) {
  if (child.done) return;
  child.proc.kill("SIGTERM");
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(resolve, graceMs, "late")));
  if ((await Promise.race([child.exited, late])) === "late") {
    console.error(`start: ${child.name} did not stop within ${graceMs / 1000} s; killing it`);
    child.proc.kill("SIGKILL");
    await child.exited;
  }
  clearTimeout(timer);
}

/** Runs a command to completion, capturing its output. */
export function run(cmd, args, { env, cwd }) {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    proc.stdout.on("data", (d) => (output += d));
    proc.stderr.on("data", (d) => (output += d));
    proc.once("error", (err) => resolve({ code: null, output: String(err) }));
    proc.once("close", (code) => resolve({ code, output }));
  });
}

export const describeExit = ({ code, signal, error }) =>
  error ? `failed to start (${error.message})` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
