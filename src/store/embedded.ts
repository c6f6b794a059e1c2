import { withDeadline } from "../deadline.ts";
import { UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import { acquireDataDirLock, tightenModes } from "./data-dir-lock.ts";
import { EmbeddedClient } from "./embedded-client.ts";
import { drizzleOverWorker } from "./embedded-drizzle.ts";
import { applyMigrations, readMigrationStatus } from "./migrator.ts";
import initdbPath from "./pglite-assets/initdb.wasm.zst" with { type: "file" };
import dataPath from "./pglite-assets/pglite.data.zst" with { type: "file" };
import wasmPath from "./pglite-assets/pglite.wasm.zst" with { type: "file" };
import * as schema from "./schema.ts";
import type { Database, EmbeddedOptions, Store } from "./types.ts";

/**
 * Opens the embedded PGlite store in `options.dataDir` (created if missing) after locking it against a second
 * process. PGlite runs in a worker thread (`embedded-worker.ts`), so its work never delays the hub's event loop;
 * drizzle talks to it through `EmbeddedClient`. The first start runs initdb: several seconds and about 1 GiB
 * of memory.
 */
export async function openEmbeddedStore(
  options: EmbeddedOptions,
  log: Logger,
  command: string,
): Promise<Store> {
  const lock = acquireDataDirLock(options.dataDir, command, log);
  const client = new EmbeddedClient();
  try {
    await client.open(options.dataDir, { wasm: wasmPath, initdb: initdbPath, data: dataPath });
    // initdb's files arrive 0666 from PGlite's bundle: tighten them (new files are made 0600 by Postgres).
    tightenModes(options.dataDir);
  } catch (error) {
    await client.close().catch(() => {});
    lock.release();
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnavailableError(`cannot open embedded data dir ${options.dataDir}: ${reason}`, {
      cause: error,
    });
  }
  log.info("store opened", { kind: "embedded", dataDir: options.dataDir });
  const db: Database = drizzleOverWorker(client, schema);
  let closed = false;
  return {
    kind: "embedded",
    db,
    async ping() {
      await client.query("select 1");
    },
    async migrate() {
      // PGlite is single-connection and the data dir is locked: nothing else can race this run.
      const result = await applyMigrations(db);
      if (result.applied > 0) log.info("migrations applied", { applied: result.applied });
      return result;
    },
    migrationStatus: () => readMigrationStatus(db),
    copyFrom: (table, columns, chunks, timeoutMs) =>
      withDeadline(
        client.copy(
          `copy ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) from '/dev/blob'`,
          chunks,
        ),
        timeoutMs,
        `embedded COPY into ${table}`,
      ),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock.release();
      }
    },
  };
}

/** Identifiers are the caller's constants, never input; quoted all the same. */
function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
