/** Reading the API key from a file: keys never come from argv (visible in `ps`) or the environment. */
import { readFile, stat } from "node:fs/promises";
import { ExampleUsageError } from "./cli.ts";

/** Keys never contain whitespace; a larger file is certainly not a key file. */
const MAX_KEY_FILE_BYTES = 4096;

/** The key and any warning about how the file is stored. */
export interface KeyFileResult {
  /** The key, without surrounding whitespace. Never print it. */
  key: string;
  /** Set when group or others may read the file (it should be mode 600). */
  warning: string | undefined;
}

/**
 * Reads one API key from `path` (surrounding whitespace and the trailing newline are dropped). Throws
 * `ExampleUsageError` naming the file, never quoting its content, when it is missing, empty, too large or holds
 * more than one token.
 */
export async function readKeyFile(path: string): Promise<KeyFileResult> {
  let mode: number;
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile())
      throw new ExampleUsageError(`--key-file ${JSON.stringify(path)} is not a regular file`);
    mode = info.mode;
    size = info.size;
  } catch (error) {
    if (error instanceof ExampleUsageError) throw error;
    const code = (error as { code?: string }).code ?? "unknown error";
    throw new ExampleUsageError(`--key-file ${JSON.stringify(path)} cannot be read (${code})`);
  }
  if (size > MAX_KEY_FILE_BYTES) {
    throw new ExampleUsageError(`--key-file ${JSON.stringify(path)} is ${size} bytes: not a key file`);
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unknown error";
    throw new ExampleUsageError(`--key-file ${JSON.stringify(path)} cannot be read (${code})`);
  }
  const key = text.trim();
  if (key === "") throw new ExampleUsageError(`--key-file ${JSON.stringify(path)} is empty`);
  if (/\s/.test(key)) {
    throw new ExampleUsageError(`--key-file ${JSON.stringify(path)} must hold exactly one key on one line`);
  }
  const warning =
    (mode & 0o077) === 0
      ? undefined
      : `--key-file ${JSON.stringify(path)} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`;
  return { key, warning };
}
