/**
 * Client secrets (CONFIG.md › Data keys and client secrets; SECURITY.md › Secrets): credentials for other
 * services, read only by a part the config points at one; sealed with the versioned data keys, bound to their
 * client and name, rotated in place. Only names, versions and timestamps ever leave this module, except through
 * `getClientSecret` for the hub itself.
 */
export {
  deleteClientSecret,
  getClientSecret,
  listClientSecrets,
  SECRET_LAST_USED_RESOLUTION_MS,
  setClientSecret,
} from "./client-secrets.ts";
export {
  type ClientRecord,
  createClient,
  deleteClient,
  getClient,
  MAX_CLIENT_DESCRIPTION_LENGTH,
  pageClients,
} from "./clients.ts";
export { keyRingFromConfig } from "./key-ring.ts";
export {
  DEFAULT_ROTATE_BATCH_SIZE,
  MAX_ROTATE_BATCH_SIZE,
  type RotationLeftover,
  type RotationResult,
  rotateClientSecrets,
} from "./rotate.ts";
export { openSecret, sealSecret, secretAad } from "./sealing.ts";
export type {
  ClientSecretInfo,
  DeleteClientSecretInput,
  SecretAddress,
  SetClientSecretInput,
  SetClientSecretResult,
} from "./types.ts";
export {
  checkAccount,
  checkName,
  checkValue,
  MAX_ACCOUNT_NAME_LENGTH,
  MAX_SECRET_VALUE_BYTES,
  NAME_PATTERN,
  SecretInputError,
} from "./validation.ts";
