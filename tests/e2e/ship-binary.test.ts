// alkhub-test: once
/**
 * The compiled binary is self-contained, as the distroless image runs it: copied ALONE into an empty directory
 * owned by uid 65532, with only a config and a master key beside it, started as uid/gid 65532 with no
 * supplementary groups and an EMPTY environment, cwd = that directory. It reaches /health ok on embedded
 * defaults (a fresh PGlite data dir) and against the real Postgres and Redis with an encrypted config; the
 * health command (the container HEALTHCHECK) agrees; SIGTERM exits 0.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chownSync,
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { encryptConfigValue } from "../../src/config/index.ts";
import { fromBase64, generateDataKeyEntry, generateMasterKey } from "../../src/crypto/index.ts";
import { freePort, requireBinary } from "../support/binary.ts";
import { eventually } from "../support/eventually.ts";
import {
  createTestDatabase,
  describeWithServices,
  REDIS_URL,
  type TestDatabase,
} from "../support/services.ts";

const NONROOT = 65532;
const SETPRIV = "/usr/bin/setpriv";
const AS_NONROOT = [SETPRIV, `--reuid=${NONROOT}`, `--regid=${NONROOT}`, "--clear-groups"];

interface Box {
  dir: string;
  port: number;
  masterKeyText: string;
}

/** An empty dir owned by 65532 holding only the binary, `alkhub.json` and `alkhub.key` (both 0600). */
function makeBox(port: number, config: (masterKey: Uint8Array) => Record<string, unknown>): Box {
  const dir = mkdtempSync(join(tmpdir(), "alkhub-ship-"));
  copyFileSync(requireBinary(), join(dir, "alkhub"));
  const masterKeyText = generateMasterKey();
  const body = { server: { host: "127.0.0.1", port }, ...config(fromBase64(masterKeyText)!) };
  writeFileSync(join(dir, "alkhub.key"), `${masterKeyText}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "alkhub.json"), JSON.stringify(body, null, 2), { mode: 0o600 });
  for (const name of ["", "alkhub", "alkhub.json", "alkhub.key"])
    chownSync(join(dir, name), NONROOT, NONROOT);
  return { dir, port, masterKeyText };
}

/** Runs the binary in the box as 65532 with an empty environment. */
function spawnInBox(box: Box, args: string[]): Subprocess<"ignore", "pipe", "pipe"> {
  return Bun.spawn([...AS_NONROOT, "./alkhub", ...args], {
    cwd: box.dir,
    env: {},
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
}

async function runInBox(box: Box, args: string[]) {
  const proc = spawnInBox(box, args);
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exitCode };
}

/** Serves from the box, checks who it runs as and what it sees, waits for ok, and stops it with SIGTERM. */
async function serveUntilOkThenStop(box: Box, secrets: string[]): Promise<void> {
  const proc = spawnInBox(box, ["serve", "--config", "./alkhub.json", "--master-key-file", "./alkhub.key"]);
  let log = "";
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) log += decoder.decode(chunk, { stream: true });
  })();
  try {
    const url = `http://127.0.0.1:${box.port}/health`;
    await eventually(
      async () => {
        if (proc.exitCode !== null) throw new Error(`hub exited ${proc.exitCode}: ${log}`);
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ status: "ok" });
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    // setpriv execs the hub in place, so this pid is now the hub itself, as 65532 with no groups.
    expect(readlinkSync(`/proc/${proc.pid}/exe`)).toBe(join(box.dir, "alkhub"));
    const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
    expect(status).toMatch(new RegExp(`^Uid:\\s+${NONROOT}\\s+${NONROOT}\\s+${NONROOT}\\s+${NONROOT}$`, "m"));
    expect(status).toMatch(new RegExp(`^Gid:\\s+${NONROOT}\\s+${NONROOT}\\s+${NONROOT}\\s+${NONROOT}$`, "m"));
    expect(status).toMatch(/^Groups:[ \t]*$/m);
    // Started with an empty environment; the only variable is the one the hub gave itself (src/allocator.ts).
    expect(readFileSync(`/proc/${proc.pid}/environ`, "utf8")).toBe("MIMALLOC_PURGE_DELAY=-1\0");
    // The container HEALTHCHECK (`/alkhub health`): the port comes from the config file.
    const health = await runInBox(box, ["health", "--config", "./alkhub.json"]);
    expect(health.exitCode, `${health.stdout}${health.stderr}`).toBe(0);
    expect(health.stdout).toContain('200 {"status":"ok"}');
  } finally {
    proc.kill("SIGTERM");
  }
  expect(await proc.exited).toBe(0);
  await drained;
  for (const secret of secrets) expect(log).not.toContain(secret);
}

beforeAll(() => {
  if (process.getuid?.() !== 0)
    throw new Error("ship-binary tests switch to uid 65532 with setpriv and must run as root (CI does)");
});

describe("the binary alone in an empty directory, uid 65532, empty environment", () => {
  let box: Box;
  beforeAll(async () => {
    box = makeBox(await freePort(), () => ({}));
  });
  afterAll(() => rmSync(box.dir, { recursive: true, force: true }));

  test("holds nothing but the binary, its config and its key", () => {
    expect(readdirSync(box.dir).sort()).toEqual(["alkhub", "alkhub.json", "alkhub.key"]);
  });

  test("`alkhub version` runs without any environment", async () => {
    const result = await runInBox(box, ["version"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^alkhub \d+\.\d+\.\d+\S* \(commit [\w.+-]+, bun \d+\.\d+\.\d+\)/);
  });

  test("serves /health ok on embedded defaults (fresh PGlite data dir) and exits 0 on SIGTERM", async () => {
    await serveUntilOkThenStop(box, [box.masterKeyText]);
    // The embedded store made its data dir beside the config, owned by the unprivileged user.
    expect(readdirSync(box.dir)).toContain("data");
    expect(readdirSync(join(box.dir, "data")).length).toBeGreaterThan(0);
  }, 90_000);
});

describeWithServices("the binary alone, against the real Postgres and Redis, encrypted config", () => {
  let box: Box;
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    box = makeBox(await freePort(), (masterKey) => ({
      postgres: encryptConfigValue(
        masterKey,
        "/postgres",
        JSON.stringify({ url: database.url, maxConnections: 4 }),
      ),
      redis: encryptConfigValue(masterKey, "/redis", JSON.stringify({ url: REDIS_URL })),
      encryptionKeys: encryptConfigValue(masterKey, "/encryptionKeys", generateDataKeyEntry(1)),
      logging: { level: "debug" },
      startup: { connectTimeoutMs: 10_000 },
    }));
  });
  afterAll(async () => {
    rmSync(box.dir, { recursive: true, force: true });
    await database.drop();
  });

  test("the config on disk reveals neither the database nor Redis", () => {
    const text = readFileSync(join(box.dir, "alkhub.json"), "utf8");
    expect(text).not.toContain(database.name);
    expect(text).not.toContain("redis://");
    expect(text).toMatch(/"postgres": "enc:v1:/);
  });

  test("serves /health ok, logs no secret, and exits 0 on SIGTERM", async () => {
    await serveUntilOkThenStop(box, [box.masterKeyText, database.url]);
    // Nothing was written beside the binary: Postgres mode needs no writable directory.
    expect(readdirSync(box.dir).sort()).toEqual(["alkhub", "alkhub.json", "alkhub.key"]);
  }, 90_000);
});
