import { createHash, randomBytes, randomInt } from "node:crypto";

/** Every key starts with this, so logs and scanners can spot one. */
export const API_KEY_PREFIX = "alk_";
/** Length of the public key id. */
export const API_KEY_ID_LENGTH = 12;
/** Random bytes in the secret part (base64url, 43 characters). */
export const API_KEY_SECRET_BYTES = 32;

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const KEY_PATTERN = /^alk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/** A freshly minted key: its public id, the plaintext (shown once) and the hash that is stored. */
export interface MintedApiKey {
  id: string;
  key: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
}

/** Mints a new key `alk_<id>_<secret>`: a 12-character random id and 32 random bytes of secret. */
export function mintApiKey(): MintedApiKey {
  let id = "";
  for (let i = 0; i < API_KEY_ID_LENGTH; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  const key = `${API_KEY_PREFIX}${id}_${randomBytes(API_KEY_SECRET_BYTES).toString("base64url")}`;
  return { id, key, hash: hashApiKey(key) };
}

/** The public id of a presented key, or undefined when it does not have the key format. */
export function parseApiKeyId(presented: string): string | undefined {
  return KEY_PATTERN.exec(presented)?.[1];
}

/** Hex SHA-256 of the whole key: what the database stores and what verification compares. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}
