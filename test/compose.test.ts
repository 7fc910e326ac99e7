/**
 * docker-compose.yml (one host, SQLite) and docker-compose.scale.yml (PostgreSQL, a 3-node NATS
 * cluster, every service scalable) validate offline (`docker-compose config -q`, Debian's 1.29) and every
 * build it references exists: context, Dockerfile, target stage, and the files each COPY takes
 * from the context; every file it mounts exists; only the load balancer is published; each NATS
 * client connects as a user of deploy/nats/auth.conf. Nothing here pulls an image or needs a
 * docker engine.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
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

/** Stand-ins for the secrets `node scripts/gen-env.mjs` writes to .env (the file refuses to run without them). */
const NATS_SECRETS = Object.fromEntries(
  ["GATEWAY", "AUTH", "CHAT", "SOCIAL", "OPS"].map((role) => [`NATS_${role}_PASSWORD`, `test-${role.toLowerCase()}`]),
);
/** docker-compose.scale.yml's too: the cluster's route password and PostgreSQL's. */
const SCALE_SECRETS = { NATS_ROUTE_PASSWORD: "test-route", POSTGRES_PASSWORD: "test-postgres" };
const SECRETS: Record<string, string> = { ...NATS_SECRETS, ...SCALE_SECRETS };

const DEFAULT_FILE = "docker-compose.yml";
const SCALE_FILE = "docker-compose.scale.yml";

function dockerCompose(args: string[], env: NodeJS.ProcessEnv = { ...process.env, ...SECRETS }, file = DEFAULT_FILE) {
  // An empty --env-file: a developer's own .env must not decide what the test sees.
  return spawnSync(compose!, ["-f", path.join(root, file), "--env-file", emptyEnvFile, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
    env,
  });
}
const emptyEnvFile = path.join(mkdtempSync(path.join(os.tmpdir(), "sealroom-compose-")), "empty.env");
writeFileSync(emptyEnvFile, "");

const resolvedSchema = z.object({
  services: z.record(
    z.string(),
    z.object({
      image: z.string().optional(),
      ports: z.array(z.unknown()).optional(),
      container_name: z.string().optional(),
      user: z.string().optional(),
      environment: z.record(z.string(), z.string().nullable()).optional(),
      command: z.union([z.string(), z.array(z.string())]).optional(),
      depends_on: z.record(z.string(), z.object({ condition: z.string().optional() })).optional(),
      volumes: z
        .array(z.union([z.string(), z.object({ type: z.string(), source: z.string().optional(), target: z.string() })]))
        .optional(),
      healthcheck: z.object({ test: z.unknown() }).optional(),
      restart: z.string().optional(),
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
const resolved = new Map<string, z.infer<typeof resolvedSchema>>();
function resolvedCompose(file = DEFAULT_FILE) {
  const cached = resolved.get(file);
  if (cached) return cached;
  const out = dockerCompose(["config"], undefined, file);
  expect(out.status, out.stderr).toBe(0);
  const toJson = spawnSync(
    "python3",
    ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
    { input: out.stdout, encoding: "utf8" },
  );
  expect(toJson.status, toJson.stderr).toBe(0);
  const parsed = resolvedSchema.parse(JSON.parse(toJson.stdout));
  resolved.set(file, parsed);
  return parsed;
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

/** Whether .dockerignore's plain entries (no wildcards) exclude `src` or a directory above it. */
function ignoredBy(context: string, src: string): boolean {
  const file = path.join(context, ".dockerignore");
  if (!existsSync(file) || src === ".") return false;
  const plain = readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && !/[*?![]/.test(l));
  const parts = path.normalize(src).split(path.sep);
  return parts.some((_, i) => plain.includes(parts.slice(0, i + 1).join("/")));
}

/** Every file the compose file bind-mounts exists (the NATS and Caddy configuration). */
function expectMountedFilesExist(composeFile: string) {
  const binds = Object.values(resolvedCompose(composeFile).services).flatMap((s) =>
    (s.volumes ?? []).flatMap((v) => {
      const source = typeof v === "string" ? v.split(":")[0]! : v.type === "bind" ? v.source : undefined;
      return source && path.isAbsolute(source) ? [source] : [];
    }),
  );
  expect(binds.length).toBeGreaterThanOrEqual(2);
  for (const source of binds) expect(existsSync(source), source).toBe(true);
}

/** Every build context, Dockerfile, target stage and COPY source the compose file needs exists. */
function expectBuildsExist(composeFile: string) {
  const builds = Object.entries(resolvedCompose(composeFile).services).flatMap(([name, s]) =>
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
      // A source the context leaves out (.dockerignore) would be missing in the build.
      expect(ignoredBy(context, src), `${name}: COPY ${src} is excluded by .dockerignore`).toBe(false);
    }
  }
}

describe.skipIf(!compose)("docker-compose.yml", () => {
  it("passes docker-compose config -q without warnings", () => {
    const out = dockerCompose(["config", "-q"]);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).not.toMatch(/WARNING/i);
  });

  it("refuses to run without the NATS secrets, saying how to make them", () => {
    const env = { ...process.env };
    for (const name of Object.keys(SECRETS)) delete env[name];
    const out = dockerCompose(["config", "-q"], env);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain("scripts/gen-env.mjs");
  });

  it("runs the processes of the product: nats, migrate, keygen, auth, chat, social, gateway, lb", () => {
    const names = Object.keys(resolvedCompose().services).sort();
    expect(names).toEqual(["auth", "chat", "gateway", "keygen", "lb", "migrate", "nats", "social"]);
  });

  it("publishes only the load balancer, so gateways and services scale (--scale) without port clashes", () => {
    const services = resolvedCompose().services;
    for (const [name, s] of Object.entries(services)) {
      if (name !== "lb") expect(s.ports ?? [], name).toEqual([]);
      expect(s.container_name, name).toBeUndefined();
    }
    expect(services.lb?.ports).toHaveLength(1);
  });

  it("gives every long-running process a healthcheck and a restart policy", () => {
    for (const name of ["nats", "auth", "chat", "social", "gateway", "lb"]) {
      const s = resolvedCompose().services[name]!;
      expect(s.healthcheck, name).toBeDefined();
      expect(s.restart, name).toBe("unless-stopped");
    }
  });

  it("connects each NATS client as its own user of deploy/nats/auth.conf, with that role's password", () => {
    const conf = readFileSync(path.join(root, "deploy/nats/auth.conf"), "utf8");
    const users = [...conf.matchAll(/user:\s*(\w+)\s*\n\s*password:\s*\$(\w+)/g)].map((m) => ({
      user: m[1]!,
      variable: m[2]!,
    }));
    expect(users.map((u) => u.user).sort()).toEqual(["auth", "chat", "gateway", "ops", "social"]);
    const services = resolvedCompose().services;
    for (const name of ["auth", "chat", "social", "gateway"]) {
      const env = services[name]!.environment ?? {};
      const user = users.find((u) => u.user === env.NATS_USER);
      expect(user, `${name}: NATS_USER`).toBeDefined();
      expect(env.NATS_USER).toBe(name);
      expect(env.NATS_PASSWORD, `${name}: NATS_PASSWORD`).toBe(SECRETS[user!.variable]);
      expect(env.NATS_TOKEN, name).toBeUndefined();
    }
    // The broker gets exactly the variables auth.conf reads.
    const brokerEnv = Object.keys(services.nats!.environment ?? {}).sort();
    expect(brokerEnv).toEqual(users.map((u) => u.variable).sort());
  });

  it("mounts only files that exist (the NATS and Caddy configuration)", () => {
    expectMountedFilesExist(DEFAULT_FILE);
  });

  it("runs Sealroom's own images and the load balancer as unprivileged users", () => {
    const { lb } = resolvedCompose().services;
    expect(lb?.user).toMatch(/^[1-9]\d*(:\d+)?$/);
    // The Dockerfile switches every final image to the `node` user.
    const lines = readFileSync(path.join(root, "Dockerfile"), "utf8").split("\n");
    for (const target of ["migrate", "auth", "chat", "social", "gateway"]) {
      const start = lines.findIndex((l) => new RegExp(`^FROM \\S+ AS ${target}$`, "i").test(l.trim()));
      expect(start, target).toBeGreaterThanOrEqual(0);
      const end = lines.findIndex((l, i) => i > start && /^FROM /i.test(l));
      const stage = lines.slice(start, end < 0 ? undefined : end);
      expect(
        stage.some((l) => /^USER node$/.test(l.trim())),
        target,
      ).toBe(true);
    }
  });

  it("references only build contexts, Dockerfiles, stages and files that exist", () => {
    expectBuildsExist(DEFAULT_FILE);
  });

  it("keeps NATS off the host: the broker publishes no port", () => {
    const { nats } = resolvedCompose().services;
    expect(nats).toBeDefined();
    expect(nats?.ports ?? []).toEqual([]);
  });
});

/** The users of deploy/nats/auth.conf and the variable each one's password comes from. */
function natsUsers() {
  const conf = readFileSync(path.join(root, "deploy/nats/auth.conf"), "utf8");
  return [...conf.matchAll(/user:\s*(\w+)\s*\n\s*password:\s*\$(\w+)/g)].map((m) => ({
    user: m[1]!,
    variable: m[2]!,
  }));
}

describe.skipIf(!compose)("docker-compose.scale.yml", () => {
  const scale = () => resolvedCompose(SCALE_FILE);
  const NODES = ["nats-1", "nats-2", "nats-3"];
  const DATA_SERVICES = ["auth", "chat", "social"];

  it("passes docker-compose config -q without warnings", () => {
    const out = dockerCompose(["config", "-q"], undefined, SCALE_FILE);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).not.toMatch(/WARNING/i);
  });

  it("refuses to run without its secrets, saying how to make them", () => {
    for (const missing of [...Object.keys(SCALE_SECRETS), "NATS_CHAT_PASSWORD"]) {
      const env = { ...process.env, ...SECRETS };
      delete env[missing];
      const out = dockerCompose(["config", "-q"], env, SCALE_FILE);
      expect(out.status, missing).not.toBe(0);
      expect(out.stderr, missing).toContain("scripts/gen-env.mjs");
    }
  });

  it("runs PostgreSQL, three NATS nodes, the one-shots, the services, the gateways and the lb", () => {
    expect(Object.keys(scale().services).sort()).toEqual([
      "auth",
      "chat",
      "gateway",
      "keygen",
      "lb",
      "migrate",
      "nats-1",
      "nats-2",
      "nats-3",
      "postgres",
      "social",
    ]);
  });

  it("publishes only the load balancer and names no container, so every service scales (--scale chat=3)", () => {
    const services = scale().services;
    for (const [name, s] of Object.entries(services)) {
      if (name !== "lb") expect(s.ports ?? [], name).toEqual([]);
      expect(s.container_name, name).toBeUndefined();
    }
    expect(services.lb?.ports).toHaveLength(1);
  });

  it("gives every long-running process a healthcheck and a restart policy", () => {
    for (const name of ["postgres", ...NODES, ...DATA_SERVICES, "gateway", "lb"]) {
      const s = scale().services[name]!;
      expect(s.healthcheck, name).toBeDefined();
      expect(s.restart, name).toBe("unless-stopped");
    }
  });

  it("keeps PostgreSQL's data on a named volume, and the data services on PostgreSQL with no volume of their own", () => {
    const { postgres, migrate, ...rest } = scale().services;
    expect(postgres?.image).toMatch(/^postgres:15/);
    // docker-compose 1.29 prints volumes as "source:target:mode"; newer ones as objects.
    const dataVolume = (postgres?.volumes ?? []).find((v) =>
      typeof v === "string"
        ? /^[\w-]+:\/var\/lib\/postgresql\/data(:rw)?$/.test(v)
        : v.type === "volume" && v.target === "/var/lib/postgresql/data",
    );
    expect(dataVolume, "postgres: a named volume at /var/lib/postgresql/data").toBeDefined();
    const url = `postgresql://sealroom:${SECRETS.POSTGRES_PASSWORD}@postgres:5432/sealroom`;
    for (const name of [...DATA_SERVICES, "migrate"]) {
      const s = name === "migrate" ? migrate! : rest[name]!;
      expect(s.environment?.DATABASE_URL, name).toBe(url);
      expect(s.volumes ?? [], name).toEqual([]);
    }
    expect(migrate?.depends_on?.postgres?.condition).toBe("service_healthy");
    for (const name of DATA_SERVICES) {
      expect(rest[name]!.depends_on?.migrate?.condition, name).toBe("service_completed_successfully");
    }
  });

  it("runs every NATS node with deploy/nats/cluster.conf, the passwords of auth.conf and routes to the other two", () => {
    const cluster = readFileSync(path.join(root, "deploy/nats/cluster.conf"), "utf8");
    expect(cluster).toMatch(/^include \.\/limits\.conf$/m);
    expect(cluster).toMatch(/^include \.\/auth\.conf$/m);
    const variables = natsUsers().map((u) => u.variable);
    for (const node of NODES) {
      const s = scale().services[node]!;
      expect(s.image, node).toMatch(/^nats:/);
      expect(s.command, node).toEqual(["-c", "/etc/nats/cluster.conf"]);
      expect(s.ports ?? [], node).toEqual([]);
      const env = s.environment ?? {};
      for (const v of variables) expect(env[v], `${node}: ${v}`).toBe(SECRETS[v]);
      expect(env.NATS_SERVER_NAME).toBe(node);
      const peers = [env.NATS_ROUTE_A, env.NATS_ROUTE_B].map((r) => {
        const u = new URL(r ?? "");
        expect(`${u.protocol}//${u.username}:${u.password}@`, node).toBe(
          `nats-route://route:${SECRETS.NATS_ROUTE_PASSWORD}@`,
        );
        expect(u.port).toBe("6222");
        return u.hostname;
      });
      expect(peers.sort(), node).toEqual(NODES.filter((n) => n !== node));
    }
  });

  it("connects each NATS client as its own user with that role's password, listing all three nodes", () => {
    const users = natsUsers();
    for (const name of [...DATA_SERVICES, "gateway"]) {
      const env = scale().services[name]!.environment ?? {};
      expect(env.NATS_USER, name).toBe(name);
      const user = users.find((u) => u.user === name)!;
      expect(env.NATS_PASSWORD, `${name}: NATS_PASSWORD`).toBe(SECRETS[user.variable]);
      expect(
        env.NATS_URL?.split(",").map((u) => new URL(u).host),
        name,
      ).toEqual(NODES.map((n) => `${n}:4222`));
    }
  });

  it("mounts only files that exist, and references only builds that exist", () => {
    expectMountedFilesExist(SCALE_FILE);
    expectBuildsExist(SCALE_FILE);
  });
});
