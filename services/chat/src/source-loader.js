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
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** @type {typeof import("typescript") | undefined} */
let ts;

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
  ts ??= (await import("typescript")).default;
  const { outputText } = ts.transpileModule(readFileSync(fileURLToPath(url), "utf8"), {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      sourceMap: false,
    },
  });
  return { format: "module", source: outputText, shortCircuit: true };
}
