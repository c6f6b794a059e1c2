import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fromBase64, generateDataKeyEntry, generateMasterKey } from "../crypto/index.ts";
import { ConfigError } from "../errors.ts";
import { encryptConfigValue } from "./encrypted.ts";
import { LOCAL_CONFIG_FILE, LOCAL_MASTER_KEY_FILE } from "./paths.ts";
import { PRIVATE_FILE_MODE, writeFileAtomic } from "./write-file.ts";

/** The files `writeLocalConfig` wrote (absolute paths). */
export interface LocalConfigFiles {
  configPath: string;
  keyPath: string;
}

/**
 * Writes a local embedded-mode setup into `dir` (created when missing): `alkhub.key` (a new master key) and
 * `alkhub.json` (server on 127.0.0.1:3000, embedded data in ./data, one fresh data key as an encrypted
 * `encryptionKeys`), both mode 0600. Refuses with a `ConfigError` when either file exists, unless `force`.
 */
export async function writeLocalConfig(opts: { dir: string; force?: boolean }): Promise<LocalConfigFiles> {
  const dir = resolve(opts.dir);
  const configPath = join(dir, LOCAL_CONFIG_FILE);
  const keyPath = join(dir, LOCAL_MASTER_KEY_FILE);
  if (!opts.force) {
    for (const path of [configPath, keyPath]) {
      if (existsSync(path)) {
        throw new ConfigError(
          `${path} already exists; pass --force to overwrite it (a new master key cannot read values encrypted with the old one)`,
          { file: path },
        );
      }
    }
  }
  await mkdir(dir, { recursive: true });
  const masterKeyText = generateMasterKey();
  const masterKey = fromBase64(masterKeyText) as Uint8Array;
  const config = {
    server: { host: "127.0.0.1", port: 3000 },
    embedded: { dataDir: "./data" },
    encryptionKeys: encryptConfigValue(masterKey, "/encryptionKeys", generateDataKeyEntry(1)),
  };
  // The key first: a config whose key was never written could not be opened at all.
  await writeFileAtomic(keyPath, `${masterKeyText}\n`, PRIVATE_FILE_MODE);
  await writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`, PRIVATE_FILE_MODE);
  return { configPath, keyPath };
}
