import { stat } from "node:fs/promises";
import { ConfigError, UsageError } from "../errors.ts";
import { decryptConfigTree, ENCRYPTED_PREFIX, encryptConfigValue, isEncryptedValue } from "./encrypted.ts";
import { parseJsonText } from "./json-text.ts";
import { readConfigFile } from "./load.ts";
import { getAt, parsePointer, setAt } from "./pointer.ts";
import { PRIVATE_FILE_MODE, writeFileAtomic } from "./write-file.ts";

/** What `encryptValueInFile` did. */
export interface EncryptResult {
  /** True when an encrypted value was already at the path and was replaced (only with `plaintext`). */
  replaced: boolean;
}

/**
 * Encrypts the value at `pointer` in the config `file` and writes the file back atomically (same mode).
 * Without `plaintext` the value comes from the file: a string is encrypted as is, an object (a section) as its
 * JSON text; a value that is already encrypted is refused. With `plaintext` (e.g. from stdin) that text is
 * stored at the path (its parent must exist); text starting with `{` must be a JSON object. Every encrypted
 * value already in the file must open with `masterKey`, so one file never mixes keys.
 */
export async function encryptValueInFile(opts: {
  file: string;
  pointer: string;
  masterKey: Uint8Array;
  plaintext?: string;
}): Promise<EncryptResult> {
  const { file, pointer } = opts;
  const keys = pointerKeys(pointer);
  const document = parseJsonText(await readConfigFile(opts.file), file);
  decryptConfigTree(document, opts.masterKey, file);
  const current = getAt(document, keys);
  const plaintext =
    opts.plaintext === undefined
      ? plaintextFromFile(current, file, pointer)
      : plaintextFromInput(opts.plaintext);
  if (!setAt(document, keys, encryptConfigValue(opts.masterKey, pointer, plaintext))) {
    throw new ConfigError(`${file}: ${pointer}: the parent of this path is missing or is not an object`, {
      file,
      path: pointer,
    });
  }
  const mode = (await stat(file)).mode & 0o777;
  await writeFileAtomic(file, `${JSON.stringify(document, null, 2)}\n`, mode || PRIVATE_FILE_MODE);
  return { replaced: isEncryptedValue(current) };
}

/**
 * The decrypted value at `pointer` in the config `file` (a string, or the parsed section), also when it sits
 * inside an encrypted section. `wasEncrypted` is false when the file holds it in plaintext.
 */
export async function readDecryptedValue(opts: {
  file: string;
  pointer: string;
  masterKey: Uint8Array;
}): Promise<{ value: unknown; wasEncrypted: boolean }> {
  const { file, pointer } = opts;
  const keys = pointerKeys(pointer);
  const document = parseJsonText(await readConfigFile(file), file);
  const value = getAt(decryptConfigTree(document, opts.masterKey, file), keys);
  if (value === undefined)
    throw new ConfigError(`${file}: ${pointer}: no value at this path`, { file, path: pointer });
  const raw = getAt(document, keys);
  return { value, wasEncrypted: raw === undefined || isEncryptedValue(raw) || hasEncryptedInside(raw) };
}

function pointerKeys(pointer: string): string[] {
  const keys = parsePointer(pointer);
  if (!keys)
    throw new UsageError(
      `--path must be a JSON pointer such as /postgres or /redis/password; got ${JSON.stringify(pointer)}`,
    );
  return keys;
}

function plaintextFromFile(current: unknown, file: string, pointer: string): string {
  const where = `${file}: ${pointer}`;
  if (current === undefined) {
    throw new ConfigError(`${where}: no value at this path (use --stdin to supply one)`, {
      file,
      path: pointer,
    });
  }
  if (isEncryptedValue(current)) throw new UsageError(`${where}: the value is already encrypted`);
  if (typeof current === "string") {
    if (current.startsWith("{")) {
      throw new UsageError(
        `${where}: a string starting with '{' cannot be encrypted (it would read back as a section)`,
      );
    }
    return current;
  }
  if (current !== null && typeof current === "object" && !Array.isArray(current))
    return JSON.stringify(current);
  throw new UsageError(`${where}: only a string or an object (a whole section) can be encrypted`);
}

function plaintextFromInput(input: string): string {
  const text = input.replace(/\r?\n$/, "");
  if (text === "") throw new UsageError("the value on stdin is empty");
  if (text.startsWith(ENCRYPTED_PREFIX)) throw new UsageError("the value on stdin is already encrypted");
  if (!text.startsWith("{")) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    // The parser's message would quote the (secret) input.
    throw new UsageError("the value on stdin starts with '{' but is not a JSON object");
  }
  return JSON.stringify(parsed);
}

function hasEncryptedInside(node: unknown): boolean {
  if (isEncryptedValue(node)) return true;
  if (node === null || typeof node !== "object") return false;
  return Object.values(node).some(hasEncryptedInside);
}
