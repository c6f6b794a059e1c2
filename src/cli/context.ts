import { loadHubConfig } from "../config/index.ts";
import { silentLogger } from "../log/index.ts";
import { openStore, type Store } from "../store/index.ts";

/**
 * Opens the store a CLI command works on, from the same config and master key `serve` would use. With the
 * embedded store this fails (`DataDirInUseError`) while a hub holds the data dir; admin commands reach that hub
 * through its admin API instead (admin-target.ts).
 */
export async function openStoreForCommand(flags: {
  config?: string;
  masterKeyFile?: string;
}): Promise<Store> {
  const { config } = await loadHubConfig({
    configFlag: flags.config,
    masterKeyFlag: flags.masterKeyFile,
    cwd: process.cwd(),
    env: process.env,
  });
  return openStore({
    postgres: config.postgres,
    embedded: config.embedded,
    log: silentLogger,
    command: "alkhub cli",
  });
}

/** Opens the store of `configPath`, applies pending migrations, runs `work`, and always closes the store. */
export async function withMigratedStore<T>(
  configPath: string,
  work: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStoreForCommand({ config: configPath });
  try {
    await store.migrate();
    return await work(store);
  } finally {
    await store.close();
  }
}
