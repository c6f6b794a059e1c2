export { hkdfKey, IV_BYTES, KEY_BYTES, openAead, type Sealed, sealAead, TAG_BYTES } from "./aead.ts";
export { fromBase64, fromBase64Url, toBase64, toBase64Url } from "./base64.ts";
export { CryptoError } from "./errors.ts";
export {
  DATA_KEY_INFO,
  type DataKeyEntry,
  generateDataKeyEntry,
  KeyRing,
  type SealedSecret,
} from "./key-ring.ts";
export { generateMasterKey, readMasterKeyFile } from "./master-key.ts";
