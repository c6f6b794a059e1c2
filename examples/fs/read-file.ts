/** Reading one regular file inside the root, with a size cap. */
import { constants } from "node:fs";
import { lstat, open, readlink } from "node:fs/promises";
import { HubError } from "@alkdev/hub/spoke";
import { fsErrorToHubError, isInside, PATH_OUTSIDE_ROOT, resolveInsideRoot } from "./resolve-path.ts";

/** Domain code: the file is larger than the spoke's `--max-bytes`. */
export const FILE_TOO_LARGE = "FILE_TOO_LARGE";
/** Domain code: `fs.read` was given a directory, device, FIFO or socket. */
export const NOT_A_FILE = "NOT_A_FILE";
/** Default `--max-bytes`: 1 MiB. */
export const DEFAULT_MAX_BYTES = 1_048_576;

/** How `fs.read` returns the bytes. */
export type FileEncoding = "utf8" | "base64";

/** What `fs.read` returns. */
export interface FileContent {
  /** The file's bytes: decoded as UTF-8 (invalid sequences become U+FFFD) or base64-encoded. */
  content: string;
  encoding: FileEncoding;
  /** The file's size in bytes. */
  size: number;
}

function tooLarge(requested: string, size: number, maxBytes: number): HubError {
  return new HubError(FILE_TOO_LARGE, `file ${JSON.stringify(requested)} is larger than ${maxBytes} bytes`, {
    details: { size, maxBytes },
  });
}

// The path was checked before opening; on Linux, /proc tells where the descriptor really points, which closes
// the window in which a directory could have been swapped for a symlink. Elsewhere the check is skipped.
async function openedInside(fd: number, root: string): Promise<boolean> {
  try {
    return isInside(root, await readlink(`/proc/self/fd/${fd}`));
  } catch {
    return true;
  }
}

/**
 * Reads the regular file at `requested` (relative to `root`), refusing files over `maxBytes` bytes. Throws
 * `HubError` with `PATH_OUTSIDE_ROOT`, `NOT_FOUND`, `NOT_A_FILE`, `FILE_TOO_LARGE` (details `{ size, maxBytes }`)
 * or `PERMISSION_DENIED`.
 */
export async function readFileInsideRoot(
  root: string,
  requested: string,
  encoding: FileEncoding = "utf8",
  maxBytes = DEFAULT_MAX_BYTES,
): Promise<FileContent> {
  const resolved = await resolveInsideRoot(root, requested);
  const notAFile = () => new HubError(NOT_A_FILE, `path ${JSON.stringify(requested)} is not a regular file`);
  try {
    // Checked before opening: opening a FIFO would block until a writer appears.
    const info = await lstat(resolved.real);
    if (!info.isFile()) throw notAFile();
    if (info.size > maxBytes) throw tooLarge(requested, info.size, maxBytes);
    const handle = await open(
      resolved.real,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
    try {
      if (!(await openedInside(handle.fd, resolved.root))) {
        throw new HubError(PATH_OUTSIDE_ROOT, `path ${JSON.stringify(requested)} leads outside the root`);
      }
      const opened = await handle.stat();
      if (!opened.isFile()) throw notAFile();
      if (opened.size > maxBytes) throw tooLarge(requested, opened.size, maxBytes);
      // Reads at most the size fstat saw, so the cap holds even if the file grows meanwhile.
      const buffer = Buffer.alloc(opened.size);
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      const bytes = buffer.subarray(0, length);
      return { content: bytes.toString(encoding), encoding, size: length };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw error instanceof HubError ? error : fsErrorToHubError(error, requested);
  }
}
