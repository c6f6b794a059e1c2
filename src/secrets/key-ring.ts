import { KeyRing } from "../crypto/index.ts";
import { ConfigError } from "../errors.ts";

/**
 * The data-key ring from the config's (decrypted) `encryptionKeys`. Throws `ConfigError` with path
 * `/encryptionKeys` when it is absent (client secrets need it) or does not parse; `file` is named when given.
 */
export function keyRingFromConfig(encryptionKeys: string | undefined, file?: string): KeyRing {
  const where = file === undefined ? "/encryptionKeys" : `${file}: /encryptionKeys`;
  if (encryptionKeys === undefined) {
    throw new ConfigError(
      `${where}: not set; client secrets need data keys ("v1:<base64 of 32 bytes>", encrypted with 'alkhub config encrypt')`,
      { file, path: "/encryptionKeys" },
    );
  }
  try {
    return KeyRing.parse(encryptionKeys);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${where}: ${reason}`, { file, path: "/encryptionKeys", cause: error });
  }
}
