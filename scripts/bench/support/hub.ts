/**
 * The hub under test: the compiled `dist/alkhub`, started with a temp config on a Postgres database of the
 * benchmark's own (created here, dropped in cleanup) and, where asked, a Redis URL. Keys are minted with the
 * binary's own `alkhub keys create` before the hub starts.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDataKeyEntry, generateMasterKey } from "../../../src/crypto/index.ts";
import { createScratchDatabase, type ScratchDatabase } from "../../../tests/support/scratch-database.ts";
import type { BenchProcess, ProcessGroup } from "./procs.ts";

/**
 * The compiled binary every benchmark runs: `dist/alkhub`, or `ALKHUB_BENCH_BINARY` to measure another build
 * (e.g. main's, for a before/after comparison).
 */
export const BINARY_PATH =
  process.env.ALKHUB_BENCH_BINARY || join(import.meta.dir, "..", "..", "..", "dist", "alkhub");
/** How long a hub may take to answer /health 200 before the benchmark gives up. */
const HUB_START_TIMEOUT_MS = 30_000;

/** Fails with a clear message when the binary was not built. */
export function requireBinary(): string {
  if (!existsSync(BINARY_PATH))
    throw new Error(`${BINARY_PATH} is missing: run 'bun scripts/build.ts' first`);
  return BINARY_PATH;
}

/** A Postgres database created for one benchmark. */
export type BenchDatabase = ScratchDatabase;

export function createBenchDatabase(): Promise<BenchDatabase> {
  return createScratchDatabase("alkhub_bench");
}

/** Config and master key of one hub, in a temp dir. */
export interface HubFiles {
  dir: string;
  configPath: string;
  keyPath: string;
  cleanup(): void;
}

/**
 * Per-key limits (`limits.perKey`) with ceilings no benchmark reaches: every call is admitted and every check still
 * runs. The defaults (1,000 calls/s per key) would cap the figures of a load driven by one key, not the hub.
 */
export const UNREACHED = {
  enabled: true,
  callsPerSecond: 10_000_000,
  callBurst: 10_000_000,
  maxInFlight: 100_000,
  maxMcpSessions: 1000,
  maxConnections: 1000,
};

/** What goes into a bench hub's config. */
export interface HubConfigOptions {
  /** Postgres URL; absent → the embedded store in `embeddedDir` (default `./data`). */
  postgresUrl?: string;
  embeddedDir?: string;
  redisUrl?: string;
  /** Audit of calls (the hub's default is on). */
  audit?: boolean;
  /** Merged over the top level of the config. */
  extra?: Record<string, unknown>;
}

export function writeHubFiles(options: HubConfigOptions): HubFiles {
  const dir = mkdtempSync(join(tmpdir(), "alkhub-bench-"));
  const config: Record<string, unknown> = {
    server: { host: "127.0.0.1", port: 0 },
    // The production default level: what a deployed hub pays for logging.
    logging: { level: "info" },
    encryptionKeys: generateDataKeyEntry(1),
    audit: { enabled: options.audit ?? true },
  };
  if (options.postgresUrl) config.postgres = { url: options.postgresUrl, maxConnections: 10 };
  else config.embedded = { dataDir: options.embeddedDir ?? "./data" };
  if (options.redisUrl) config.redis = { url: options.redisUrl };
  Object.assign(config, options.extra);
  const configPath = join(dir, "alkhub.json");
  const keyPath = join(dir, "alkhub.key");
  writeFileSync(keyPath, `${generateMasterKey()}\n`, { mode: 0o600 });
  writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { dir, configPath, keyPath, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What {@link createKey} mints: default a `spoke,call,read` key named "bench" for every spoke name. */
export interface BenchKeyOptions {
  name?: string;
  /** Comma-separated, as `alkhub keys create --scopes` takes them. */
  scopes?: string;
  /** Spoke-name globs (spoke scope); omitted when the scopes have no `spoke`. */
  spokeNames?: string;
}

/**
 * Mints a key with the binary's CLI against `files` (migrating first); by default one able to register any spoke
 * name and call anything (`spoke,call,read`, spoke names `*`). The key is returned, never printed.
 */
export async function createKey(files: HubFiles, options: BenchKeyOptions = {}): Promise<string> {
  const scopes = options.scopes ?? "spoke,call,read";
  const spokeNames = options.spokeNames ?? (scopes.split(",").includes("spoke") ? "*" : undefined);
  await runCli(["migrate", "--config", files.configPath, "--master-key-file", files.keyPath]);
  const key = (
    await runCli([
      ...["keys", "create", "--config", files.configPath, "--master-key-file", files.keyPath],
      ...["--name", options.name ?? "bench", "--scopes", scopes],
      ...(spokeNames === undefined ? [] : ["--spoke-names", spokeNames]),
    ])
  ).trim();
  if (!key.startsWith("alk_")) throw new Error("alkhub keys create printed no key");
  return key;
}

/** Runs one CLI command of the binary; resolves with its stdout, rejects (with its stderr) on failure. */
async function runCli(args: string[]): Promise<string> {
  const proc = Bun.spawn([requireBinary(), ...args], {
    env: {},
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) {
    // stderr of the CLI holds details and reminders, never a key or a config value.
    throw new Error(`alkhub ${args[0]} ${args[1]} exited with ${code}: ${err.trim().slice(0, 500)}`);
  }
  return out;
}

/** A TCP port nothing listens on right now. */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** A running hub binary. */
export interface RunningHub {
  process: BenchProcess;
  pid: number;
  url: string;
  wsUrl: string;
  /** Milliseconds from spawn to the first /health 200. */
  startMs: number;
}

/** Polls `url`/health until it answers 200, or the process exits, or `timeoutMs` passes. */
export async function waitForHealth(url: string, proc: BenchProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (proc.proc.exitCode !== null)
      throw new Error(`${proc.name} exited with ${proc.proc.exitCode} while starting`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await Bun.sleep(2);
  }
  throw new Error(`${proc.name} did not answer /health 200 within ${timeoutMs} ms`);
}

/** Starts `alkhub serve` with `files` on a free port (log in `<dir>/hub.log`) and waits for /health 200. */
export async function startHub(group: ProcessGroup, files: HubFiles, name = "hub"): Promise<RunningHub> {
  const port = freePort();
  const started = performance.now();
  const process = group.spawn(
    name,
    [
      requireBinary(),
      ...["serve", "--config", files.configPath, "--master-key-file", files.keyPath, "--port", String(port)],
    ],
    { env: {}, cwd: files.dir, stderrFile: join(files.dir, `${name}.log`) },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, process, HUB_START_TIMEOUT_MS);
  } catch (error) {
    const log = Bun.file(join(files.dir, `${name}.log`));
    const tail = (await log.exists()) ? (await log.text()).slice(-1500) : "";
    throw new Error(`${(error as Error).message}; log tail: ${tail}`, { cause: error });
  }
  return {
    process,
    pid: process.pid,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    startMs: performance.now() - started,
  };
}
