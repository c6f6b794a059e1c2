/**
 * One benchmark's resources: its process group, and cleanups (databases, temp dirs, Redis) that run in reverse
 * order after every process was stopped — on success and on failure alike.
 */
import { startRedisServer } from "../../../tests/support/redis-server.ts";
import {
  type BenchDatabase,
  createBenchDatabase,
  createKey,
  type HubConfigOptions,
  type HubFiles,
  type RunningHub,
  startHub,
  writeHubFiles,
} from "./hub.ts";
import { ProcessGroup } from "./procs.ts";

/** What a benchmark body gets. */
export interface BenchContext {
  group: ProcessGroup;
  /** Runs `fn` at the end (after all processes stopped), last registered first. */
  defer(fn: () => unknown): void;
  /** A Postgres database of this benchmark's own, dropped at the end. */
  database(): Promise<BenchDatabase>;
  /** A redis-server of this benchmark's own on a free port, stopped at the end; resolves with its URL. */
  redis(): Promise<string>;
  /** Config files for a hub (removed at the end). */
  hubFiles(options: HubConfigOptions): HubFiles;
  /** Files, a key minted with the binary, and the started hub. */
  launchHub(
    options: HubConfigOptions,
    name?: string,
  ): Promise<{ hub: RunningHub; files: HubFiles; token: string }>;
}

/** Runs `body` with a fresh context and always cleans up. */
export async function withBench<T>(body: (ctx: BenchContext) => Promise<T>): Promise<T> {
  const group = new ProcessGroup();
  const cleanups: (() => unknown)[] = [];
  const ctx: BenchContext = {
    group,
    defer: (fn) => cleanups.push(fn),
    async database() {
      const db = await createBenchDatabase();
      cleanups.push(() => db.drop());
      return db;
    },
    async redis() {
      const server = await startRedisServer();
      cleanups.push(() => server.stop());
      return server.url;
    },
    hubFiles(options) {
      const files = writeHubFiles(options);
      cleanups.push(() => files.cleanup());
      return files;
    },
    async launchHub(options, name = "hub") {
      const files = ctx.hubFiles(options);
      const token = await createKey(files);
      const hub = await startHub(group, files, name);
      return { hub, files, token };
    },
  };
  try {
    return await body(ctx);
  } finally {
    await group.stopAll();
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(`cleanup failed: ${(error as Error).message}`);
      }
    }
  }
}
