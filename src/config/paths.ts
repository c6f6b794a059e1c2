import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The only environment variable the hub reads for configuration (CONFIG.md). */
export const CONFIG_PATH_ENV = "ALKHUB_CONFIG_PATH";
/** The config file of a system install. */
export const SYSTEM_CONFIG_PATH = "/etc/alkhub/config.json";
/** The config file `alkhub init` writes, looked up in the working directory. */
export const LOCAL_CONFIG_FILE = "alkhub.json";
/** Where Docker and Kubernetes mount the master key secret. */
export const SECRET_MOUNT_MASTER_KEY_PATH = "/run/secrets/hub_master_key";
/** The master key file `alkhub init` writes beside the config. */
export const LOCAL_MASTER_KEY_FILE = "alkhub.key";

/** Where the config path came from. */
export type ConfigPathSource = "flag" | "env" | "system" | "local";

/**
 * The config file to read: `--config` › `ALKHUB_CONFIG_PATH` › `/etc/alkhub/config.json` when it exists ›
 * `<cwd>/alkhub.json`. Relative paths resolve against `cwd`. `exists` is injectable for tests.
 */
export function resolveConfigPath(opts: {
  flag?: string;
  env?: Record<string, string | undefined>;
  cwd: string;
  exists?: (path: string) => boolean;
}): { path: string; source: ConfigPathSource } {
  const exists = opts.exists ?? existsSync;
  if (opts.flag !== undefined && opts.flag !== "")
    return { path: resolve(opts.cwd, opts.flag), source: "flag" };
  const fromEnv = opts.env?.[CONFIG_PATH_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return { path: resolve(opts.cwd, fromEnv), source: "env" };
  if (exists(SYSTEM_CONFIG_PATH)) return { path: SYSTEM_CONFIG_PATH, source: "system" };
  return { path: join(resolve(opts.cwd), LOCAL_CONFIG_FILE), source: "local" };
}

/**
 * The master key file: `--master-key-file` › `/run/secrets/hub_master_key` when it exists › `alkhub.key` in the
 * config file's directory. A relative flag resolves against `cwd` (default: the process's).
 */
export function resolveMasterKeyPath(opts: {
  flag?: string;
  configPath: string;
  cwd?: string;
  exists?: (path: string) => boolean;
}): string {
  const exists = opts.exists ?? existsSync;
  if (opts.flag !== undefined && opts.flag !== "") return resolve(opts.cwd ?? process.cwd(), opts.flag);
  if (exists(SECRET_MOUNT_MASTER_KEY_PATH)) return SECRET_MOUNT_MASTER_KEY_PATH;
  return join(dirname(opts.configPath), LOCAL_MASTER_KEY_FILE);
}
