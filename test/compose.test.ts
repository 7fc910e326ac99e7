/**
 * docker-compose.yml validates offline (`docker-compose config -q`, Debian's 1.29) and every
 * build it references exists: context, Dockerfile, target stage, and the files each COPY takes
 * from the context. Nothing here pulls an image or needs a docker engine.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

const compose = onPath("docker-compose");
if (!compose) {
  console.warn(
    "compose.test: skipped, docker-compose is not installed " +
      "(apt-get install --no-install-recommends docker-compose; .ci/run installs it)",
  );
}

function dockerCompose(...args: string[]) {
  return spawnSync(compose!, ["-f", path.join(root, "docker-compose.yml"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
  });
}

const resolvedSchema = z.object({
  services: z.record(
    z.string(),
    z.object({
      image: z.string().optional(),
      ports: z.array(z.unknown()).optional(),
      expose: z.array(z.unknown()).optional(),
      build: z
        .object({ context: z.string(), dockerfile: z.string().optional(), target: z.string().optional() })
        .optional(),
    }),
  ),
});

/**
 * The resolved file (anchors merged, variables interpolated, contexts absolute) as data. Debian's
 * docker-compose is Python and depends on python3-yaml, so its YAML parser is there too.
 */
let resolved: z.infer<typeof resolvedSchema> | undefined;
function resolvedCompose() {
  if (resolved) return resolved;
  const out = dockerCompose("config");
  expect(out.status, out.stderr).toBe(0);
  const toJson = spawnSync(
    "python3",
    ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
    { input: out.stdout, encoding: "utf8" },
  );
  expect(toJson.status, toJson.stderr).toBe(0);
  resolved = resolvedSchema.parse(JSON.parse(toJson.stdout));
  return resolved;
}

/** Stage names (`FROM image AS name`) and the context paths of COPY/ADD without --from. */
function readDockerfile(file: string) {
  // Join continuation lines so each instruction is one line.
  const lines = readFileSync(file, "utf8").replace(/\\\n/g, " ").split("\n");
  const stages = new Set<string>();
  const sources: string[] = [];
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    const op = words[0]?.toUpperCase();
    if (op === "FROM") {
      const as = words.findIndex((w) => w.toUpperCase() === "AS");
      const name = as > 0 ? words[as + 1] : undefined;
      if (name) stages.add(name.toLowerCase());
    } else if (op === "COPY" || op === "ADD") {
      const args = words.slice(1);
      if (args.some((a) => a.startsWith("--from="))) continue;
      const paths = args.filter((a) => !a.startsWith("--"));
      sources.push(...paths.slice(0, -1));
    }
  }
  return { stages, sources };
}

describe.skipIf(!compose)("docker-compose.yml", () => {
  it("passes docker-compose config -q without warnings", () => {
    const out = dockerCompose("config", "-q");
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).not.toMatch(/WARNING/i);
  });

  it("runs the processes of the product: nats, migrate, auth, chat, social, gateway", () => {
    const names = Object.keys(resolvedCompose().services).sort();
    expect(names).toEqual(["auth", "chat", "gateway", "migrate", "nats", "social"]);
  });

  it("references only build contexts, Dockerfiles, stages and files that exist", () => {
    const builds = Object.entries(resolvedCompose().services).flatMap(([name, s]) =>
      s.build ? [{ name, ...s.build }] : [],
    );
    expect(builds.length).toBeGreaterThan(0);
    for (const { name, context, dockerfile = "Dockerfile", target } of builds) {
      expect(existsSync(context) && statSync(context).isDirectory(), `${name}: context ${context}`).toBe(true);
      const file = path.resolve(context, dockerfile);
      expect(existsSync(file), `${name}: ${file}`).toBe(true);
      const { stages, sources } = readDockerfile(file);
      if (target) expect(stages.has(target.toLowerCase()), `${name}: stage ${target} in ${file}`).toBe(true);
      for (const src of sources) {
        expect(existsSync(path.resolve(context, src)), `${name}: COPY ${src} in ${file}`).toBe(true);
      }
    }
  });

  it("keeps NATS off the host: the broker publishes no port", () => {
    const { nats } = resolvedCompose().services;
    expect(nats).toBeDefined();
    expect(nats?.ports ?? []).toEqual([]);
  });
});
