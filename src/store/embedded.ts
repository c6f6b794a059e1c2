import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { withDeadline } from "../deadline.ts";
import { UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import { acquireDataDirLock, tightenModes } from "./data-dir-lock.ts";
import { applyMigrations, readMigrationStatus } from "./migrator.ts";
import initdbPath from "./pglite-assets/initdb.wasm.gz" with { type: "file" };
import dataPath from "./pglite-assets/pglite.data.gz" with { type: "file" };
import wasmPath from "./pglite-assets/pglite.wasm.gz" with { type: "file" };
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
    // They are embedded gzip-compressed (10 MB off the binary); inflating them costs tens of milliseconds.
    pg = await PGlite.create({
      dataDir: options.dataDir,
      pgliteWasmModule: await WebAssembly.compile(await inflate(wasmPath)),
      initdbWasmModule: await WebAssembly.compile(await inflate(initdbPath)),
      fsBundle: new Blob([await inflate(dataPath)]),
    });
    await pg.query("select 1");
    // initdb's files arrive 0666 from PGlite's bundle: tighten them (new files are made 0600 by Postgres).
    tightenModes(options.dataDir);
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
    async copyFrom(table, columns, chunks, timeoutMs) {
      // Identifiers are the caller's constants, never input; quoted all the same.
      const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
      const statement = `copy ${quote(table)} (${columns.map(quote).join(", ")}) from '/dev/blob'`;
      await withDeadline(
        pg.query(statement, [], { blob: new Blob(chunks as string[]) }),
        timeoutMs,
        `embedded COPY into ${table}`,
      );
    },
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

/** The bytes of one embedded, gzip-compressed asset. */
async function inflate(path: string): Promise<Uint8Array<ArrayBuffer>> {
  return Bun.gunzipSync(new Uint8Array(await Bun.file(path).arrayBuffer())) as Uint8Array<ArrayBuffer>;
}
