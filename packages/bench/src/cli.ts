#!/usr/bin/env node
/**
 * npm run bench [-- s1 s2 ...] [--engine sqlite|postgresql] [--runs N] [--seconds S] [--quick] [--full-ramp] [--profile gateway,chat] [--out DIR]
 * Needs the build (`npm run bench` runs it first) and nats-server on PATH.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { runBench } from "./index.js";
import { repoRoot, stopAllStacks, type ProcName } from "./stack.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string" },
    seconds: { type: "string" },
    quick: { type: "boolean", default: false },
    "full-ramp": { type: "boolean", default: false },
    baseline: { type: "string" },
    profile: { type: "string" },
    out: { type: "string" },
    engine: { type: "string" },
    logins: { type: "string" },
    resumes: { type: "string" },
    "connect-in-storm": { type: "boolean", default: false },
    "cheap-hash": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log(`usage: npm run bench -- [s1..s7 ...] [--runs N (default 3)] [--seconds S per step (default 5)]
       [--engine sqlite|postgresql (default sqlite; PostgreSQL: a fresh database on SEALROOM_TEST_PG_URL,
        default postgresql://postgres@127.0.0.1:5432/postgres)] [--quick] [--full-ramp] [--profile gateway,chat,...]
       [--baseline gateway,chat (A/B against bench-results/baseline, made by packages/bench/baseline.mjs <rev>)] [--out DIR (default bench-results)]
       S5 only: [--logins N (default 1000)] [--resumes N (default 5000); 0 skips that storm]
       [--connect-in-storm (the login storm's clients also do their full handshakes within it)]
       [--cheap-hash (the login storm with 1 MiB argon2: the gateway's own share of the storm)]
       Steps: BENCH_S2_RATES=1000,2000 (DM/s) and BENCH_S6_RATES=250,500 (pages/s) replace S2's and S6's ramps.
       BENCH_GATEWAYS=2 runs two gateway processes, each on its own port, with the clients spread over them.`);
  process.exit(0);
}

/** A count option: a whole number >= 0, or the run stops here rather than measuring something else. */
function count(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number >= 0, got ${v}`);
    process.exit(2);
  }
  return n;
}
const logins = count("logins", values.logins);
const resumes = count("resumes", values.resumes);

// The stacks take their database from testkit (tempDatabase), which reads SEALROOM_TEST_DB.
if (values.engine) process.env.SEALROOM_TEST_DB = values.engine;

const outDir = path.resolve(values.out ?? path.join(repoRoot, "bench-results"));
const nodeFlags: Partial<Record<ProcName, string[]>> = {};
for (const name of values.profile?.split(",").filter(Boolean) ?? []) {
  nodeFlags[name as ProcName] = ["--cpu-prof", `--cpu-prof-dir=${path.join(outDir, "profiles")}`];
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the stacks`);
    void stopAllStacks().finally(() => process.exit(130));
  });
}

try {
  await runBench({
    scenarios: positionals.map((s) => s.toLowerCase()),
    ...(values.runs ? { runs: Number(values.runs) } : {}),
    ...(values.seconds ? { stepSeconds: Number(values.seconds) } : {}),
    quick: values.quick,
    fullRamp: values["full-ramp"],
    s5: {
      ...(logins !== undefined ? { logins } : {}),
      ...(resumes !== undefined ? { resumes } : {}),
      connectInStorm: values["connect-in-storm"],
      cheapHash: values["cheap-hash"],
    },
    ...(values.baseline
      ? {
          baseline: {
            dir: path.join(repoRoot, "bench-results/baseline"),
            services: values.baseline.split(",") as ProcName[],
            label: `baseline ${values.baseline}`,
          },
        }
      : {}),
    outDir,
    nodeFlags,
  });
  process.exit(0);
} catch (err) {
  console.error(err);
  process.exit(1);
}
