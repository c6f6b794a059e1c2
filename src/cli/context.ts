import { publishRevocation } from "../auth/index.ts";
import { connectRedisBus } from "../bus/index.ts";
import { loadHubConfig } from "../config/index.ts";
import type { KeyRing } from "../crypto/index.ts";
import { silentLogger } from "../log/index.ts";
import { keyRingFromConfig } from "../secrets/index.ts";
import { openStore, type Store } from "../store/index.ts";

/**
 * Opens the store a CLI command works on, from the same config and master key `serve` would use. With the
 * embedded store this fails with a clear message while a hub holds the data dir.
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

/**
 * Broadcasts a key revocation to running hubs over Redis. Without Redis there is nothing to tell: the embedded
 * store is locked while a hub runs, so no hub can be running beside this command.
 */
export async function announceRevocationForCommand(
  flags: { config?: string; masterKeyFile?: string },
  keyId: string,
): Promise<void> {
  const { config } = await loadHubConfig({
    configFlag: flags.config,
    masterKeyFlag: flags.masterKeyFile,
    cwd: process.cwd(),
    env: process.env,
  });
  if (!config.redis) return;
  const bus = await connectRedisBus({ redis: config.redis, log: silentLogger, connectTimeoutMs: 5000 });
  try {
    await publishRevocation(bus, keyId);
  } finally {
    await bus.close();
  }
}

/** The data-key ring of the config a CLI command works on (`ConfigError` naming /encryptionKeys without one). */
export async function loadKeyRingForCommand(flags: {
  config?: string;
  masterKeyFile?: string;
}): Promise<KeyRing> {
  const { config, configPath } = await loadHubConfig({
    configFlag: flags.config,
    masterKeyFlag: flags.masterKeyFile,
    cwd: process.cwd(),
    env: process.env,
  });
  return keyRingFromConfig(config.encryptionKeys, configPath);
}
