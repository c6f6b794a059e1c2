import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { KeyRing, readMasterKeyFile } from "../crypto/index.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import { checkConfigDocument } from "./check.ts";
import { decryptConfigTreeTracked } from "./encrypted.ts";
import { parseJsonText } from "./json-text.ts";
import { type ConfigPathSource, resolveConfigPath, resolveMasterKeyPath } from "./paths.ts";
import type { HubConfig } from "./schema.ts";

/**
 * Reads, decrypts, defaults and checks the config file at `path` (absolute). Every failure is a `ConfigError`
 * naming the file (and the JSON path, when there is one), never a secret value.
 */
export async function loadConfig(opts: { path: string; masterKey: Uint8Array }): Promise<HubConfig> {
  return parseConfigText(await readConfigFile(opts.path), { file: opts.path, masterKey: opts.masterKey });
}

/**
 * The text of a config file. Missing → `ConfigError` "config file <path> not found"; unreadable → a
 * `ConfigError` naming the reason. `hint` is appended to the not-found message.
 */
export async function readConfigFile(path: string, hint = ""): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new ConfigError(`config file ${path} not found${hint}`, { file: path, cause: error });
    const reason = code === "EACCES" ? "permission denied" : (code ?? "error");
    throw new ConfigError(`config file ${path} cannot be read (${reason})`, { file: path, cause: error });
  }
}

/**
 * `loadConfig` on text already read (what `alkhub config check` runs): JSON → decrypt → defaults → schema →
 * cross-field checks (the data keys parse, default timeout ≤ max) → `embedded.dataDir` made absolute against
 * the directory of `file`.
 */
export function parseConfigText(text: string, opts: { file: string; masterKey: Uint8Array }): HubConfig {
  const { file } = opts;
  const parsed = parseJsonText(text, file);
  const { value, encryptedPaths } = decryptConfigTreeTracked(parsed, opts.masterKey, file);
  const config = checkConfigDocument(value, file, encryptedPaths);
  if (config.encryptionKeys !== undefined) {
    try {
      KeyRing.parse(config.encryptionKeys);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(`${file}: /encryptionKeys: ${reason}`, {
        file,
        path: "/encryptionKeys",
        cause: error,
      });
    }
  }
  if (config.router.defaultTimeoutMs > config.router.maxTimeoutMs) {
    throw new ConfigError(
      `${file}: /router/defaultTimeoutMs: must not exceed /router/maxTimeoutMs (${config.router.maxTimeoutMs}), got ${config.router.defaultTimeoutMs}`,
      { file, path: "/router/defaultTimeoutMs" },
    );
  }
  config.embedded.dataDir = resolve(dirname(file), config.embedded.dataDir);
  config.admin.socket = resolveAdminSocket(config, file);
  return config;
}

/** Longest Unix socket path the kernel takes (`sun_path` is 108 bytes with its terminating NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * `admin.socket` made absolute, or `false` when switched off. The default is `admin.sock` in the data dir with the
 * embedded store, and no socket with Postgres: that hub keeps nothing on local disk (it may run from a read-only
 * directory beside nothing but its config), and its CLI reaches it with `--key-file` or the database.
 */
function resolveAdminSocket(config: HubConfig, file: string): string | false {
  const configured = config.admin.socket;
  if (configured === false) return false;
  if (configured === undefined && config.postgres !== undefined) return false;
  const path =
    configured === undefined
      ? join(config.embedded.dataDir, "admin.sock")
      : resolve(dirname(file), configured);
  if (configured !== undefined && Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new ConfigError(
      `${file}: /admin/socket: the socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes (a Unix socket limit)`,
      { file, path: "/admin/socket" },
    );
  }
  return path;
}

/** What `loadHubConfig` returns: the config plus where it and its master key came from. */
export interface LoadedHubConfig {
  config: HubConfig;
  configPath: string;
  configSource: ConfigPathSource;
  masterKeyPath: string;
  masterKey: Uint8Array;
}

/**
 * The whole lookup used by `serve` and every CLI command: resolve the config path (flag › ALKHUB_CONFIG_PATH ›
 * /etc/alkhub/config.json › ./alkhub.json) and the master key path (flag › /run/secrets/hub_master_key ›
 * alkhub.key beside the config), read the key (warning through `log` when it is group/other-readable), then
 * `loadConfig`. `exists` is injectable for tests.
 */
export async function loadHubConfig(opts: {
  configFlag?: string;
  masterKeyFlag?: string;
  cwd: string;
  env: Record<string, string | undefined>;
  log?: Logger;
  exists?: (path: string) => boolean;
}): Promise<LoadedHubConfig> {
  const { path: configPath, source } = resolveConfigPath({
    flag: opts.configFlag,
    env: opts.env,
    cwd: opts.cwd,
    exists: opts.exists,
  });
  const masterKeyPath = resolveMasterKeyPath({
    flag: opts.masterKeyFlag,
    configPath,
    cwd: opts.cwd,
    exists: opts.exists,
  });
  // Read the config first so that "no config at all" is reported as such, not as a missing key.
  const text = await readConfigFile(
    configPath,
    source === "local" ? " (run 'alkhub init' to create one)" : "",
  );
  const masterKey = await readMasterKeyFile(masterKeyPath, opts.log);
  const config = parseConfigText(text, { file: configPath, masterKey });
  return { config, configPath, configSource: source, masterKeyPath, masterKey };
}
