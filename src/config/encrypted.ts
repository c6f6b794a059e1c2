import { fromBase64Url, hkdfKey, openAead, sealAead, toBase64Url } from "../crypto/index.ts";
import { ConfigError } from "../errors.ts";
import { childPointer } from "./pointer.ts";

/** HKDF info for the key that seals config values. */
export const CONFIG_KEY_INFO = "alkhub/config/v1";
/** Every encrypted config value starts with this. */
export const ENCRYPTED_PREFIX = "enc:";
/** The current format: `enc:v1:<base64url iv>:<base64url ciphertext+tag>`. */
export const ENCRYPTED_V1_PREFIX = "enc:v1:";

/** Whether `value` is an encrypted config value (of any version, well-formed or not). */
export function isEncryptedValue(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(ENCRYPTED_PREFIX);
}

/**
 * Encrypts one config value for the field at `jsonPath` (a JSON pointer such as `/postgres`): AES-256-GCM under
 * HKDF(master, "alkhub/config/v1") with the pointer as additional data, so the value opens only at that path.
 * A whole section is passed as its JSON text. Returns `enc:v1:<base64url iv>:<base64url ciphertext+tag>`.
 */
export function encryptConfigValue(masterKey: Uint8Array, jsonPath: string, plaintext: string): string {
  const key = hkdfKey(masterKey, CONFIG_KEY_INFO);
  const { iv, sealed } = sealAead(key, new TextEncoder().encode(plaintext), jsonPath);
  return `${ENCRYPTED_V1_PREFIX}${toBase64Url(iv)}:${toBase64Url(sealed)}`;
}

/** The decrypted tree and the pointers of the values that were encrypted (their contents are secret). */
export interface DecryptedTree {
  value: unknown;
  encryptedPaths: string[];
}

/**
 * Returns a copy of the parsed config `value` with every `enc:` string decrypted; a plaintext that starts with
 * `{` is a whole section and is parsed as JSON. Any malformed, unknown-version, tampered or moved value is a
 * `ConfigError` naming `file` and the JSON path, never the value.
 */
export function decryptConfigTree(value: unknown, masterKey: Uint8Array, file: string): unknown {
  return decryptConfigTreeTracked(value, masterKey, file).value;
}

/** `decryptConfigTree` that also reports which paths were encrypted, so errors can keep their values hidden. */
export function decryptConfigTreeTracked(value: unknown, masterKey: Uint8Array, file: string): DecryptedTree {
  const key = hkdfKey(masterKey, CONFIG_KEY_INFO);
  const encryptedPaths: string[] = [];
  const walk = (node: unknown, path: string): unknown => {
    if (isEncryptedValue(node)) {
      encryptedPaths.push(path);
      const plain = decryptOne(key, node, path, file);
      // Only a decrypted section is walked again (it may hold encrypted members); a string is final.
      return typeof plain === "string" ? plain : walk(plain, path);
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, childPointer(path, index)));
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [name, child] of Object.entries(node)) out[name] = walk(child, childPointer(path, name));
      return out;
    }
    return node;
  };
  return { value: walk(value, ""), encryptedPaths };
}

function decryptOne(key: Uint8Array, text: string, path: string, file: string): unknown {
  const fail = (reason: string, cause?: unknown) =>
    new ConfigError(`${file}: ${path}: ${reason}`, { file, path, cause });
  if (!text.startsWith(ENCRYPTED_V1_PREFIX)) {
    throw fail(`encrypted value has an unknown format version (expected "${ENCRYPTED_V1_PREFIX}…")`);
  }
  const parts = text.slice(ENCRYPTED_V1_PREFIX.length).split(":");
  const iv = parts.length === 2 ? fromBase64Url(parts[0] ?? "") : undefined;
  const sealed = parts.length === 2 ? fromBase64Url(parts[1] ?? "") : undefined;
  if (iv === undefined || sealed === undefined) {
    throw fail(
      `encrypted value is malformed (expected "${ENCRYPTED_V1_PREFIX}<base64url iv>:<base64url data>")`,
    );
  }
  let plaintext: string;
  try {
    plaintext = new TextDecoder("utf-8", { fatal: true }).decode(openAead(key, iv, sealed, path));
  } catch (error) {
    throw fail(
      "encrypted value could not be decrypted (wrong master key, or the value was altered or moved from another path)",
      error,
    );
  }
  if (!plaintext.startsWith("{")) return plaintext;
  try {
    return JSON.parse(plaintext);
  } catch {
    // The parser's message quotes the text it choked on, which is secret here: say only what was expected.
    throw fail("decrypted value starts with '{' but is not a valid JSON object");
  }
}
