// @ts-check
/**
 * Module hooks that let a worker thread run this repository's TypeScript sources, as the tests do
 * (they run src/, never dist/, so they cannot run a stale build). Node 20 cannot run a .ts file,
 * and a worker thread is a plain Node loader, not Vitest's: read-worker.js registers these hooks
 * only when its parent runs from sources. They do what Vitest's resolver does for the tests: the
 * workspace packages' "source" export condition, `./x.js` written for `./x.ts`, and TypeScript
 * turned into JavaScript file by file (types erased, nothing checked: tsc checks the build).
 * Production runs dist/, where none of this is loaded.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** @type {typeof import("typescript") | undefined} */
let ts;

/**
 * Every chat service a test starts has a reader thread, and each thread would load TypeScript
 * (~0.5 s) and transpile the same few hundred files again: outputs are kept on disk, keyed by the
 * source text and the options, so a warm thread starts without loading TypeScript at all. A
 * changed file is a new key, never a stale answer.
 */
const CACHE_DIR = path.join(os.tmpdir(), "sealroom-source-loader");
const OPTIONS = { module: "ESNext", target: "ES2022", verbatimModuleSyntax: true, sourceMap: false };

/** @type {import("node:module").ResolveHook} */
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent?.endsWith(".ts") && specifier.startsWith(".") && specifier.endsWith(".js")) {
    const ts = new URL(specifier.replace(/\.js$/, ".ts"), parent);
    if (existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
  }
  return next(specifier, { ...context, conditions: ["source", ...context.conditions] });
}

/** @type {import("node:module").LoadHook} */
export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const file = fileURLToPath(url);
  const text = readFileSync(file, "utf8");
  const key = createHash("sha256").update(JSON.stringify(OPTIONS)).update("\0").update(text).digest("hex");
  const cached = path.join(CACHE_DIR, `${key.slice(0, 40)}.js`);
  if (existsSync(cached)) return { format: "module", source: readFileSync(cached, "utf8"), shortCircuit: true };
  ts ??= (await import("typescript")).default;
  const { outputText } = ts.transpileModule(text, {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      sourceMap: false,
    },
  });
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    // Written whole, then renamed: another thread reading it never sees half a file.
    const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(partial, outputText);
    renameSync(partial, cached);
  } catch {
    // Only the next thread's start is slower.
  }
  return { format: "module", source: outputText, shortCircuit: true };
}
