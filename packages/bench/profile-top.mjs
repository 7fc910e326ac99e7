#!/usr/bin/env node
// node packages/bench/profile-top.mjs <file.cpuprofile> [N]
// The N (default 30) functions with the most self time in a `--profile` CPU profile, as a share
// of the process's busy (non-idle) time, then a few groups BENCHMARKS.md compares across changes.
import fs from "node:fs";

const [file, n = "30"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node packages/bench/profile-top.mjs <file.cpuprofile> [N]");
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, "utf8"));
const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
const byNode = new Map();
profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const self = new Map();
const groups = { "garbage collector": 0, "writev + writeBuffer": 0, "AES-GCM (node:crypto cipher)": 0, zod: 0 };
let busy = 0;
for (const [id, us] of byNode) {
  const f = frames.get(id);
  if (f.functionName === "(idle)") continue;
  busy += us;
  const where = f.url.replace(/.*node_modules\//, "").replace(/.*\/(services|packages)\//, "$1/");
  const key = `${f.functionName || "(anonymous)"} ${where}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + us);
  if (f.functionName === "(garbage collector)") groups["garbage collector"] += us;
  if (f.functionName === "writev" || f.functionName === "writeBuffer") groups["writev + writeBuffer"] += us;
  if (f.url.includes("crypto/cipher")) groups["AES-GCM (node:crypto cipher)"] += us;
  if (f.url.includes("/zod/")) groups.zod += us;
}
const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
console.log(`busy ${(busy / 1e6).toFixed(2)} s`);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) {
  console.log(`${pct(us)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
}
console.log("groups:");
for (const [name, us] of Object.entries(groups)) console.log(`${pct(us)}  ${name}`);
