import type { Logger } from "../log/index.ts";
import { openEmbeddedStore } from "./embedded.ts";
import { openPostgresStore } from "./postgres.ts";
import type { EmbeddedOptions, PostgresOptions, Store } from "./types.ts";

/** What `openStore` needs: Postgres when configured, otherwise the embedded data dir. */
export interface OpenStoreOptions {
  postgres?: PostgresOptions;
  embedded: EmbeddedOptions;
  log: Logger;
  /** Recorded in the data-dir lock so a second process can say who holds it. Default `alkhub`. */
  command?: string;
}

/**
 * Opens the configured store once (the caller retries with backoff). Throws `UnavailableError` when the
 * database cannot be reached or the embedded data dir is held by another process.
 */
export function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.postgres) return openPostgresStore(options.postgres, options.log);
  return openEmbeddedStore(options.embedded, options.log, options.command ?? "alkhub");
}
