#!/usr/bin/env node
// node packages/bench/baseline.mjs <git rev> [service ...]  (default: gateway chat)
// Transpiles services/<name>/src at <rev> into bench-results/baseline/services/<name>/dist, next
// to the current build's node_modules, so `npm run bench -- s2 --baseline` can alternate the old
// and the new code of those services in one invocation, under the same machine noise.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const [rev, ...names] = process.argv.slice(2);
if (!rev) {
  console.error("usage: node packages/bench/baseline.mjs <git rev> [service ...]");
  process.exit(2);
}
for (const name of names.length ? names : ["gateway", "chat"]) {
  const out = path.join(root, "bench-results/baseline/services", name, "dist");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files = execFileSync("git", ["ls-tree", "--name-only", rev, `services/${name}/src/`], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => (f.endsWith(".ts") && !f.endsWith(".test.ts")) || f.endsWith(".js"));
  for (const file of files) {
    const source = execFileSync("git", ["show", `${rev}:${file}`], { cwd: root, encoding: "utf8" });
    // A .js source (the chat checkpointer's worker) runs as it is.
    const js = file.endsWith(".js")
      ? source
      : ts.transpileModule(source, {
          compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
          fileName: file,
        }).outputText;
    writeFileSync(path.join(out, path.basename(file).replace(/\.ts$/, ".js")), js);
  }
  console.log(`${name}@${rev}: ${files.length} files -> ${path.relative(root, out)}`);
}
