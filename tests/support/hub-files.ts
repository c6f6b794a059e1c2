/**
 * Writes what a hub needs to start — a config file and a master key — into a fresh temp dir, for the current
 * test mode: the real Postgres (a database of its own) and Redis, or the embedded store and the memory bus.
 */
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encryptConfigValue } from "../../src/config/index.ts";
import { fromBase64, generateDataKeyEntry, generateMasterKey } from "../../src/crypto/index.ts";
import { silentLogger } from "../../src/log/index.ts";
import { openStore } from "../../src/store/index.ts";
import { createTestDatabase, REDIS_URL, TEST_MODE, type TestDatabase } from "./services.ts";

export interface HubFiles {
  dir: string;
  configPath: string;
  keyPath: string;
  masterKey: Uint8Array;
  /** The config as written (plaintext values where `encrypt` was off). */
  config: Record<string, unknown>;
  /** The database of this hub, when it uses the real Postgres. */
  database?: TestDatabase;
  /** Removes the temp dir and drops the database. */
  cleanup(): Promise<void>;
}

export interface HubFilesOptions {
  mode?: "services" | "embedded";
  /** Encrypt the postgres and redis sections and the data keys (as production would). Default true. */
  encrypt?: boolean;
  /** Use this Postgres URL instead of creating a database. */
  postgresUrl?: string;
  /** Use this Redis URL instead of the shared one (services mode). */
  redisUrl?: string;
  /** Use an existing database (shared by several hubs). */
  database?: TestDatabase;
  /** More top-level config, merged over the defaults written here. */
  extra?: Record<string, unknown>;
}

export async function writeHubFiles(options: HubFilesOptions = {}): Promise<HubFiles> {
  const mode = options.mode ?? TEST_MODE;
  const encrypt = options.encrypt ?? true;
  const dir = mkdtempSync(join(tmpdir(), "alkhub-test-"));
  const masterKeyText = generateMasterKey();
  const masterKey = fromBase64(masterKeyText)!;
  const seal = (path: string, value: unknown) =>
    encrypt
      ? encryptConfigValue(masterKey, path, typeof value === "string" ? value : JSON.stringify(value))
      : value;

  let database = options.database;
  const config: Record<string, unknown> = {
    server: { host: "127.0.0.1", port: 0 },
    logging: { level: "warn" },
    startup: { connectTimeoutMs: 5000 },
    encryptionKeys: seal("/encryptionKeys", generateDataKeyEntry(1)),
  };
  if (mode === "services") {
    if (!options.postgresUrl && !database) database = await createTestDatabase();
    config.postgres = seal("/postgres", { url: options.postgresUrl ?? database!.url, maxConnections: 4 });
    config.redis = seal("/redis", { url: options.redisUrl ?? REDIS_URL });
  } else {
    cpSync(await embeddedTemplate(), join(dir, "data"), { recursive: true });
    config.embedded = { dataDir: "./data" };
  }
  Object.assign(config, options.extra);
  const keyPath = join(dir, "alkhub.key");
  const configPath = join(dir, "alkhub.json");
  writeFileSync(keyPath, `${masterKeyText}\n`, { mode: 0o600 });
  writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  const ownsDatabase = database !== undefined && database !== options.database;
  return {
    dir,
    configPath,
    keyPath,
    masterKey,
    config,
    database,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (ownsDatabase) await database!.drop();
    },
  };
}

/**
 * A migrated PGlite data dir made once per machine and copied for each embedded hub: a first PGlite start
 * costs seconds and about 1 GiB, a copy costs milliseconds.
 */
async function embeddedTemplate(): Promise<string> {
  const template = join(
    tmpdir(),
    `alkhub-pglite-template-${process.getuid?.() ?? 0}-${await migrationsTag()}`,
  );
  if (existsSync(join(template, ".complete"))) return template;
  const building = `${template}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  const store = await openStore({
    embedded: { dataDir: building },
    log: silentLogger,
    command: "test template",
  });
  await store.migrate();
  await store.close();
  rmSync(join(building, "alkhub.lock"), { force: true });
  writeFileSync(join(building, ".complete"), "");
  try {
    renameSync(building, template);
  } catch {
    // Another test process made it at the same time; theirs is as good as ours.
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

async function migrationsTag(): Promise<string> {
  const { migrations } = await import("../../src/store/migrations.gen.ts");
  const last = migrations.at(-1);
  return `${migrations.length}-${last?.hash.slice(0, 12) ?? "none"}`;
}
