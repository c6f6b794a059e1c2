import { randomBytes } from "node:crypto";
import { chmod, rename, unlink, writeFile } from "node:fs/promises";

/** Mode of every file the hub writes that holds a key or a config: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Replaces `path` atomically: writes a temp file beside it with `mode`, then renames it over `path`, so a reader
 * (or a crash) sees the old file or the new one, never half of one.
 */
export async function writeFileAtomic(
  path: string,
  content: string,
  mode = PRIVATE_FILE_MODE,
): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, content, { mode, flag: "wx" });
    // The umask may have narrowed `mode` at creation; set it exactly.
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}
