import { randomBytes } from "node:crypto";
import { ConfigError } from "../errors.ts";
import { hkdfKey, KEY_BYTES, openAead, sealAead } from "./aead.ts";
import { fromBase64, fromBase64Url, toBase64, toBase64Url } from "./base64.ts";
import { CryptoError } from "./errors.ts";

/** HKDF info that turns a configured data key into the AES key that seals client secrets. */
export const DATA_KEY_INFO = "alkhub/data/v1";

const ENTRY = /^v(\d+):(.*)$/s;

/** One configured data key: its version and its 32 raw bytes. */
export interface DataKeyEntry {
  version: number;
  key: Uint8Array;
}

/** What `KeyRing.seal` returns; store both (the row's `key_version` and the sealed text). */
export interface SealedSecret {
  keyVersion: number;
  /** `<base64url iv>:<base64url ciphertext+tag>`. */
  sealed: string;
}

/** A new data-key entry `"v<version>:<base64 of 32 random bytes>"` for the `encryptionKeys` list. */
export function generateDataKeyEntry(version: number): string {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new CryptoError(`data key version must be a positive integer; got ${version}`);
  }
  return `v${version}:${toBase64(new Uint8Array(randomBytes(KEY_BYTES)))}`;
}

/**
 * The versioned data keys (CONFIG.md › Data keys). The first entry is current and seals new values; older ones
 * only open. Each working key is derived once, here, so sealing and opening cost microseconds. The keys live in
 * `#private` fields, so the ring prints and serialises as `{}`.
 */
export class KeyRing {
  readonly #keys = new Map<number, Uint8Array>();
  readonly #versions: number[];

  constructor(entries: DataKeyEntry[]) {
    if (entries.length === 0) throw new CryptoError("a key ring needs at least one data key");
    for (const [index, { version, key }] of entries.entries()) {
      const where = `entry ${index + 1}`;
      if (!Number.isSafeInteger(version) || version < 1) {
        throw new CryptoError(`${where}: version must be a positive integer`);
      }
      if (this.#keys.has(version)) throw new CryptoError(`${where}: version v${version} appears twice`);
      if (key.byteLength !== KEY_BYTES) {
        throw new CryptoError(`${where}: key must be ${KEY_BYTES} bytes; it holds ${key.byteLength}`);
      }
      this.#keys.set(version, hkdfKey(key, DATA_KEY_INFO));
    }
    this.#versions = entries.map((entry) => entry.version);
  }

  /**
   * Parses `"v2:<base64 32 bytes>,v1:<base64 32 bytes>"` (first = current; whitespace around entries ignored).
   * Errors are `ConfigError`s naming the entry position (1-based) and what was expected, never a key.
   */
  static parse(text: string): KeyRing {
    const parts = text.split(",").map((part) => part.trim());
    if (parts.length === 1 && parts[0] === "") {
      throw new ConfigError(`encryptionKeys is empty; expected "v1:<base64 of ${KEY_BYTES} bytes>"`);
    }
    const entries = parts.map((part, index) => {
      const where = `encryptionKeys entry ${index + 1}`;
      const match = ENTRY.exec(part);
      if (!match) throw new ConfigError(`${where}: expected "v<version>:<base64 of ${KEY_BYTES} bytes>"`);
      const version = Number(match[1]);
      if (!Number.isSafeInteger(version) || version < 1) {
        throw new ConfigError(`${where}: version must be a positive integer`);
      }
      const key = fromBase64(match[2] ?? "");
      if (key === undefined) throw new ConfigError(`${where}: key is not valid base64`);
      if (key.byteLength !== KEY_BYTES) {
        throw new ConfigError(
          `${where}: key must be ${KEY_BYTES} bytes in base64; it holds ${key.byteLength}`,
        );
      }
      return { version, key };
    });
    const seen = new Set<number>();
    for (const [index, { version }] of entries.entries()) {
      if (seen.has(version)) {
        throw new ConfigError(`encryptionKeys entry ${index + 1}: version v${version} appears twice`);
      }
      seen.add(version);
    }
    return new KeyRing(entries);
  }

  /** The version new values are sealed with (the first entry). */
  get currentVersion(): number {
    return this.#versions[0] as number;
  }

  /** Every version in the ring, current first. */
  get versions(): readonly number[] {
    return [...this.#versions];
  }

  /** Whether values sealed with `version` can be opened. */
  has(version: number): boolean {
    return this.#keys.has(version);
  }

  /** Seals `plaintext` with the current key; `aad` (e.g. `"<clientId>/<secretName>"`) must be given to `open`. */
  seal(plaintext: string, aad: string): SealedSecret {
    const version = this.currentVersion;
    const { iv, sealed } = sealAead(this.#key(version), new TextEncoder().encode(plaintext), aad);
    return { keyVersion: version, sealed: `${toBase64Url(iv)}:${toBase64Url(sealed)}` };
  }

  /**
   * Opens a value sealed with data key `keyVersion`. Throws `CryptoError` naming the version when it is not in
   * the ring, or when the value is malformed, tampered or sealed for another `aad`.
   */
  open(keyVersion: number, sealed: string, aad: string): string {
    const key = this.#key(keyVersion);
    const [ivText, bodyText, extra] = sealed.split(":");
    const iv = ivText === undefined ? undefined : fromBase64Url(ivText);
    const body = bodyText === undefined ? undefined : fromBase64Url(bodyText);
    if (extra !== undefined || iv === undefined || body === undefined) {
      throw new CryptoError(`value sealed with data key v${keyVersion} is malformed`);
    }
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(openAead(key, iv, body, aad));
    } catch (error) {
      throw new CryptoError(
        `value sealed with data key v${keyVersion} could not be opened (the value was altered or belongs elsewhere)`,
        { cause: error },
      );
    }
  }

  #key(version: number): Uint8Array {
    const key = this.#keys.get(version);
    if (!key) throw new CryptoError(`data key v${version} is not in the key ring`);
    return key;
  }
}
