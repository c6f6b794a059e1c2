import { PGlite } from "@electric-sql/pglite";
import initdbPath from "@electric-sql/pglite/initdb.wasm" with { type: "file" };
import dataPath from "@electric-sql/pglite/pglite.data" with { type: "file" };
import wasmPath from "@electric-sql/pglite/pglite.wasm" with { type: "file" };
import { drizzle } from "drizzle-orm/pglite";
import { UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import { acquireDataDirLock } from "./data-dir-lock.ts";
import { applyMigrations, readMigrationStatus } from "./migrator.ts";
import * as schema from "./schema.ts";
import type { Database, EmbeddedOptions, Store } from "./types.ts";

/**
 * Opens the embedded PGlite store in `options.dataDir` (created if missing) after locking it against a second
 * process. The first start runs initdb: several seconds and about 1 GiB of memory.
 */
export async function openEmbeddedStore(
  options: EmbeddedOptions,
  log: Logger,
  command: string,
): Promise<Store> {
  const lock = acquireDataDirLock(options.dataDir, command, log);
  let pg: PGlite;
  try {
    // The assets are passed explicitly: PGlite's own lookup fails inside `bun build --compile` (PITFALLS.md §4).
    pg = await PGlite.create({
      dataDir: options.dataDir,
      pgliteWasmModule: await WebAssembly.compile(await Bun.file(wasmPath).arrayBuffer()),
      initdbWasmModule: await WebAssembly.compile(await Bun.file(initdbPath).arrayBuffer()),
      fsBundle: Bun.file(dataPath),
    });
    await pg.query("select 1");
  } catch (error) {
    lock.release();
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnavailableError(`cannot open embedded data dir ${options.dataDir}: ${reason}`, {
      cause: error,
    });
  }
  log.info("store opened", { kind: "embedded", dataDir: options.dataDir });
  const db: Database = drizzle(pg, { schema });
  let closed = false;
  return {
    kind: "embedded",
    db,
    async ping() {
      await pg.query("select 1");
    },
    async migrate() {
      // PGlite is single-connection and the data dir is locked: nothing else can race this run.
      const result = await applyMigrations(db);
      if (result.applied > 0) log.info("migrations applied", { applied: result.applied });
      return result;
    },
    migrationStatus: () => readMigrationStatus(db),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pg.close();
      } finally {
        lock.release();
      }
    },
  };
}
