// alkhub-test: once
/**
 * The Dockerfile, .dockerignore and docker-compose.yml, checked without a Docker engine: they are parsed (the
 * compose file with Bun's built-in YAML parser) and held to docs/deploy.md and the paths the binary itself uses.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SECRET_MOUNT_MASTER_KEY_PATH, SYSTEM_CONFIG_PATH } from "../../src/config/index.ts";

const ROOT = join(import.meta.dir, "..", "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const BUN_VERSION = (JSON.parse(read("package.json")) as { packageManager: string }).packageManager.replace(
  /^bun@/,
  "",
);

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Dockerfile → stages of instructions (continuations joined, comments dropped, as Docker reads it). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && pending === "")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = "";
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === "FROM") {
      const words = args.split(/\s+/).filter((w) => !w.startsWith("--"));
      stages.push({ image: words[0] ?? "", name: words[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const args = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe("Dockerfile", () => {
  const stages = parseDockerfile(read("Dockerfile"));
  const runtime = stages.at(-1)!;
  const build = stages.find((s) => s.image.startsWith("oven/bun:"));

  test("builds on the Bun version pinned in package.json, from the lockfile, with scripts/build.ts", () => {
    expect(build?.image).toBe(`oven/bun:${BUN_VERSION}`);
    const runs = args(build!, "RUN").join("\n");
    expect(runs).toContain("bun install --frozen-lockfile");
    expect(runs).toContain("bun scripts/build.ts");
  });

  test("runs on distroless base-debian12:nonroot (glibc; not static) as uid 65532", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.image).toBe("gcr.io/distroless/base-debian12:nonroot");
    expect(args(runtime, "USER")).toHaveLength(1);
    expect(args(runtime, "USER")[0]).toMatch(/^(65532(:65532)?|nonroot(:nonroot)?)$/);
  });

  test("ships only the binary at /alkhub from the build stage, and runs `serve` through it", () => {
    const copies = args(runtime, "COPY");
    expect(copies.some((c) => c.includes(`--from=${build!.name}`) && /\s\/alkhub$/.test(c))).toBe(true);
    expect(copies.every((c) => c.includes(`--from=${build!.name}`))).toBe(true);
    expect(args(runtime, "ENTRYPOINT").map((a) => JSON.parse(a))).toEqual([["/alkhub"]]);
    expect(args(runtime, "CMD").map((a) => JSON.parse(a))).toEqual([["serve"]]);
    expect(args(runtime, "EXPOSE")).toEqual(["3000"]);
  });

  test("the health check is the binary's own `alkhub health` (distroless has no curl)", () => {
    const [healthcheck] = args(runtime, "HEALTHCHECK");
    const command = /\bCMD\s+(\[.*\])\s*$/.exec(healthcheck ?? "")?.[1];
    expect(JSON.parse(command ?? "null")).toEqual(["/alkhub", "health"]);
  });

  test("only the embedded data dir is a volume; config and key are mounted at the paths the binary reads", () => {
    expect(args(runtime, "VOLUME").map((v) => JSON.parse(v))).toEqual([["/var/lib/alkhub"]]);
    const text = read("Dockerfile");
    expect(text).toContain(SYSTEM_CONFIG_PATH);
    expect(text).toContain(SECRET_MOUNT_MASTER_KEY_PATH);
    // Nothing secret is baked in or passed through the environment.
    expect(args(runtime, "ENV")).toEqual([]);
    expect(stages.flatMap((s) => args(s, "ARG")).join(" ")).not.toMatch(/key|password|secret|token/i);
  });
});

test(".dockerignore keeps dependencies, build output, git, data, keys and configs out of the context", () => {
  const entries = new Set(
    read(".dockerignore")
      .split("\n")
      .map((l) => l.trim()),
  );
  for (const entry of [".git", "node_modules", "dist", "data", "*.key", "alkhub.json", "config", "secrets"])
    expect(entries).toContain(entry);
});

type Service = Record<string, unknown> & { environment?: Record<string, string> | string[] };
const compose = Bun.YAML.parse(read("docker-compose.yml")) as {
  services: Record<string, Service>;
  secrets: Record<string, { file?: string }>;
};
const hub = compose.services.hub!;
const postgres = compose.services.postgres!;
const redis = compose.services.redis!;

/** [name, value] pairs of a service's environment, in either compose form. */
function environmentOf(service: Service): [string, string][] {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return env.map((e) => [e.split("=")[0]!, e.split("=").slice(1).join("=")]);
  return Object.entries(env).map(([k, v]) => [k, String(v)]);
}

/** Target paths of a service's secrets (short form "name" mounts at /run/secrets/name). */
function secretTargets(service: Service): Map<string, string> {
  const list = (service.secrets ?? []) as (string | { source: string; target?: string })[];
  return new Map(
    list.map((s) => {
      const [source, target] = typeof s === "string" ? [s, s] : [s.source, s.target ?? s.source];
      return [source, target.startsWith("/") ? target : `/run/secrets/${target}`];
    }),
  );
}

describe("docker-compose.yml", () => {
  test("runs the hub, Postgres 16 and Redis 7 (plus the two of the dev profile)", () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      "hub",
      "postgres",
      "postgres-dev",
      "redis",
      "redis-dev",
    ]);
    for (const name of ["hub", "postgres", "redis"]) expect(compose.services[name]!.profiles).toBeUndefined();
    expect(String(postgres.image)).toMatch(/^postgres:16([.-]|$)/);
    expect(String(redis.image)).toMatch(/^redis:7([.-]|$)/);
  });

  test("the hub waits for healthy dependencies, restarts, publishes 3000 and checks itself", () => {
    expect(hub.depends_on).toEqual({
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
    expect(hub.restart).toBe("unless-stopped");
    expect((hub.ports as string[]).some((p) => /(^|:)3000:3000$/.test(String(p)))).toBe(true);
    expect((hub.healthcheck as { test: string[] }).test).toEqual(["CMD", "/alkhub", "health"]);
  });

  test("the master key is a compose secret at the path the binary reads; the config is mounted read-only", () => {
    expect(compose.secrets.hub_master_key?.file).toBeString();
    expect(secretTargets(hub).get("hub_master_key")).toBe(SECRET_MOUNT_MASTER_KEY_PATH);
    const volumes = (hub.volumes as string[]).map(String);
    const configDir = SYSTEM_CONFIG_PATH.slice(0, SYSTEM_CONFIG_PATH.lastIndexOf("/"));
    expect(volumes.some((v) => new RegExp(`:(${configDir}|${SYSTEM_CONFIG_PATH}):ro$`).test(v))).toBe(true);
    expect((hub.command as string[]).join(" ")).toContain(`--config ${SYSTEM_CONFIG_PATH}`);
  });

  test("the dev profile publishes Postgres and Redis on loopback only, with no secrets", () => {
    for (const name of ["postgres-dev", "redis-dev"]) {
      const service = compose.services[name]!;
      expect(service.profiles).toEqual(["dev"]);
      const ports = (service.ports as string[]).map(String);
      expect(ports.length).toBe(1);
      expect(ports[0]).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      expect(service.secrets).toBeUndefined();
    }
  });

  test("Postgres and Redis publish no port, have health checks and take passwords from secret files", () => {
    for (const service of [postgres, redis]) {
      expect(service.ports).toBeUndefined();
      expect((service.healthcheck as { test: string[] }).test.length).toBeGreaterThan(0);
    }
    const pgEnv = Object.fromEntries(environmentOf(postgres));
    expect(secretTargets(postgres).get("postgres_password")).toBe(pgEnv.POSTGRES_PASSWORD_FILE);
    expect(pgEnv.POSTGRES_PASSWORD).toBeUndefined();
    const redisPassword = secretTargets(redis).get("redis_password")!;
    // Compose turns "$$" into a literal "$" before the shell sees it.
    const redisCommand = (redis.command as string[]).join(" ").replaceAll("$$", "$");
    expect(redisCommand).toContain(`--requirepass "$(cat ${redisPassword})"`);
    expect(JSON.stringify(redis.healthcheck)).toContain(redisPassword);
    for (const name of ["hub_master_key", "postgres_password", "redis_password"])
      expect(compose.secrets[name]?.file).toStartWith("./secrets/");
  });

  test("no environment: block of any service holds a secret (only *_FILE pointers)", () => {
    const credentialsInUrl = /\w+:\/\/[^/\s:@]+:[^/\s@]+@/;
    // A long token-like value; paths (such as /run/secrets/…) are not.
    const looksRandom = /^(?!\/)[A-Za-z0-9+/=_-]{20,}$/;
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, value] of environmentOf(service)) {
        const where = `${name}.environment.${key}`;
        // An auth *method* (the dev profile's POSTGRES_HOST_AUTH_METHOD=trust) names a setting, not a credential.
        if (/pass|secret|token|key|url|dsn|auth/i.test(key) && !/_METHOD$/.test(key))
          expect({ where, value }).toEqual({ where, value: expect.stringMatching(/^\/run\/secrets\//) });
        expect({ where, credentials: credentialsInUrl.test(value), random: looksRandom.test(value) }).toEqual(
          {
            where,
            credentials: false,
            random: false,
          },
        );
      }
    }
    expect(read("docker-compose.yml")).not.toMatch(/requirepass\s+[^"\s]/);
  });
});
