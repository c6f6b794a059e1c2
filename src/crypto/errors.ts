import { EXIT_CODES, LocalError } from "../errors.ts";

/**
 * A seal or open failed: a bad key, a tampered or truncated value, a missing data-key version. The message names
 * what was being opened (a version, a length), never the key, the plaintext or the sealed bytes.
 */
export class CryptoError extends LocalError {
  override readonly name = "CryptoError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_CODES.FAILURE, options);
  }
}
