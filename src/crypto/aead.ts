import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { CryptoError } from "./errors.ts";

/** AES-256 key length in bytes; also the length of master and data keys. */
export const KEY_BYTES = 32;
/** GCM nonce length in bytes (the size GCM is specified for). */
export const IV_BYTES = 12;
/** GCM authentication tag length in bytes, appended to the ciphertext. */
export const TAG_BYTES = 16;

/**
 * HKDF-SHA256 with an empty salt: a 32-byte key for one purpose (`info`, e.g. `"alkhub/config/v1"`) derived from
 * a high-entropy secret of at least 32 bytes. Deterministic; costs a few microseconds.
 */
export function hkdfKey(secret: Uint8Array, info: string): Uint8Array {
  if (secret.byteLength < KEY_BYTES) {
    throw new CryptoError(`HKDF secret must be at least ${KEY_BYTES} bytes; got ${secret.byteLength}`);
  }
  return new Uint8Array(hkdfSync("sha256", secret, new Uint8Array(0), info, KEY_BYTES));
}

/** The output of `sealAead`: a fresh random IV and ciphertext||tag. */
export interface Sealed {
  iv: Uint8Array;
  sealed: Uint8Array;
}

/**
 * AES-256-GCM encryption with a 12-byte random IV; `sealed` is the ciphertext followed by the 16-byte tag.
 * `aad` is authenticated but not stored: `openAead` must be given the same value.
 */
export function sealAead(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array | string): Sealed {
  checkKey(key);
  const iv = new Uint8Array(randomBytes(IV_BYTES));
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(toBytes(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { iv, sealed: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
}

/**
 * Reverses `sealAead`. Throws `CryptoError` (naming no data) when the key, IV, AAD or sealed bytes do not match:
 * a wrong key and a tampered value are indistinguishable by design.
 */
export function openAead(
  key: Uint8Array,
  iv: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array | string,
): Uint8Array {
  checkKey(key);
  if (iv.byteLength !== IV_BYTES) throw new CryptoError(`IV must be ${IV_BYTES} bytes; got ${iv.byteLength}`);
  if (sealed.byteLength < TAG_BYTES) {
    throw new CryptoError(
      `sealed value is too short (${sealed.byteLength} bytes; the tag alone is ${TAG_BYTES})`,
    );
  }
  const split = sealed.byteLength - TAG_BYTES;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(toBytes(aad));
    decipher.setAuthTag(sealed.subarray(split));
    const body = Buffer.concat([decipher.update(sealed.subarray(0, split)), decipher.final()]);
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  } catch (error) {
    throw new CryptoError("authentication failed: wrong key, or the value was altered", { cause: error });
  }
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) {
    throw new CryptoError(`AES-256-GCM key must be ${KEY_BYTES} bytes; got ${key.byteLength}`);
  }
}

function toBytes(aad: Uint8Array | string): Uint8Array {
  return typeof aad === "string" ? new TextEncoder().encode(aad) : aad;
}
