export {
  type ConfigProblem,
  checkConfigDocument,
  findProblems,
  MAX_LISTED_PROBLEMS,
} from "./check.ts";
export { type EncryptResult, encryptValueInFile, readDecryptedValue } from "./edit.ts";
export {
  CONFIG_KEY_INFO,
  type DecryptedTree,
  decryptConfigTree,
  decryptConfigTreeTracked,
  ENCRYPTED_PREFIX,
  ENCRYPTED_V1_PREFIX,
  encryptConfigValue,
  isEncryptedValue,
} from "./encrypted.ts";
export { parseJsonText } from "./json-text.ts";
export {
  type LoadedHubConfig,
  loadConfig,
  loadHubConfig,
  parseConfigText,
  readConfigFile,
} from "./load.ts";
export { type LocalConfigFiles, writeLocalConfig } from "./local.ts";
export {
  CONFIG_PATH_ENV,
  type ConfigPathSource,
  LOCAL_CONFIG_FILE,
  LOCAL_MASTER_KEY_FILE,
  resolveConfigPath,
  resolveMasterKeyPath,
  SECRET_MOUNT_MASTER_KEY_PATH,
  SYSTEM_CONFIG_PATH,
} from "./paths.ts";
export { childPointer, getAt, parsePointer, setAt } from "./pointer.ts";
export {
  DEFAULT_POSTGRES_MAX_CONNECTIONS,
  type HubConfig,
  HubConfigSchema,
  type LimitsConfig,
  type OtlpConfig,
  type PostgresConfig,
  type RedisConfig,
  type UpstreamConfig,
  UpstreamSchema,
} from "./schema.ts";
export { PRIVATE_FILE_MODE, writeFileAtomic } from "./write-file.ts";
