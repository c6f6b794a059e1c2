import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import { KEY_BYTES } from "./aead.ts";
import { fromBase64, toBase64 } from "./base64.ts";

/** Mode bits that let group or others read a file. */
const GROUP_OTHER_READ = 0o044;

/** A new master key: base64 of 32 random bytes, the content of an `alkhub.key` file (add a newline). */
export function generateMasterKey(): string {
  return toBase64(new Uint8Array(randomBytes(KEY_BYTES)));
}

/**
 * Reads a master key file: base64 of exactly 32 bytes, surrounding whitespace (a trailing newline) allowed.
 * A missing, unreadable or malformed file is a `ConfigError` that names the file and what was expected, never the
 * content. Logs a warning through `log` when group or others may read the file.
 */
export async function readMasterKeyFile(path: string, log?: Logger): Promise<Uint8Array> {
  const expected = `master key file ${path} must hold ${KEY_BYTES} bytes in base64`;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "not found"
        : code === "EACCES"
          ? "cannot be read (permission denied)"
          : `cannot be read (${code ?? "error"})`;
    throw new ConfigError(`master key file ${path} ${reason}`, { file: path, cause: error });
  }
  const trimmed = text.trim();
  if (trimmed === "") throw new ConfigError(`${expected}; it is empty`, { file: path });
  const key = fromBase64(trimmed);
  if (key === undefined) throw new ConfigError(`${expected}; it is not valid base64`, { file: path });
  if (key.byteLength !== KEY_BYTES) {
    throw new ConfigError(`${expected}; it holds ${key.byteLength}`, { file: path });
  }
  if (log) await warnIfReadable(path, log);
  return key;
}

async function warnIfReadable(path: string, log: Logger): Promise<void> {
  try {
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & GROUP_OTHER_READ) !== 0) {
      log.warn("master key file is readable by group or others; run chmod 600 on it", {
        file: path,
        mode: `0${mode.toString(8)}`,
      });
    }
  } catch {
    // The key was just read, so a failing stat is a race not worth failing startup for.
  }
}
