/**
 * Authentication with API keys (SECURITY.md): minting, hashing, storing, verifying (with a short cache),
 * revoking; scopes and the globs that limit a key to some spokes and operations.
 */
export {
  API_KEY_ID_LENGTH,
  API_KEY_PREFIX,
  API_KEY_SECRET_BYTES,
  hashApiKey,
  type MintedApiKey,
  mintApiKey,
  parseApiKeyId,
} from "./api-key.ts";
export { presentedKey } from "./bearer.ts";
export { matchesAnyGlob, matchesGlob } from "./globs.ts";
export {
  DEFAULT_KEY_CACHE_MAX_ENTRIES,
  DEFAULT_KEY_CACHE_STALE_MS,
  DEFAULT_KEY_CACHE_TTL_MS,
  DEFAULT_KEY_LOOKUP_TIMEOUT_MS,
  KeyVerifier,
  type KeyVerifierOptions,
} from "./key-verifier.ts";
export {
  type ApiKeyRecord,
  type ApiKeyState,
  apiKeyState,
  type CreateApiKeyInput,
  createApiKey,
  keysChangedSince,
  listApiKeys,
  revokeApiKey,
  toApiKeyRecord,
} from "./keys.ts";
export {
  type ApiKeyChange,
  type ApiKeyQuery,
  type ApiKeyRow,
  type ApiKeyShift,
  type ApiKeyUpdate,
  getApiKey,
  pageApiKeys,
  updateApiKey,
} from "./keys-admin.ts";
export {
  AUTH_CHANNEL,
  AUTH_NOTIFY_CHANNEL,
  type AuthMessage,
  type KeyChange,
  parseAuthMessage,
  parseRevocation,
  publishRevocation,
  REVOKED_MEMORY_MS,
  Revocations,
  restorationMessage,
  revocationMessage,
} from "./revocation.ts";
export { hasScope, type Identity, isScope, SCOPES, type Scope } from "./scopes.ts";
export {
  LAST_USED_RESOLUTION_MS,
  type VerifyFailure,
  type VerifyResult,
  verifyApiKey,
  verifyApiKeyId,
} from "./verify.ts";
