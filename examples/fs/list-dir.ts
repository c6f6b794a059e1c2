/** Listing one directory inside the root, without following the symlinks it contains. */
import { lstat, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { HubError } from "@alkdev/hub/spoke";
import { fsErrorToHubError, resolveInsideRoot } from "./resolve-path.ts";

/** Domain code: `fs.list` was given something that is not a directory. */
export const NOT_A_DIRECTORY = "NOT_A_DIRECTORY";
/** Default cap on the entries `fs.list` returns, so one call stays well inside a 1 MiB frame. */
export const DEFAULT_MAX_ENTRIES = 10_000;
/** How many entries are `lstat`ed at once. */
const LSTAT_BATCH = 64;

/** One directory entry; a symlink is reported as such and never followed. */
export interface DirEntry {
  name: string;
  type: "file" | "dir" | "symlink" | "other";
  /** Size in bytes as `lstat` reports it (for a symlink, the length of its target text). */
  size: number;
}

/** What `fs.list` returns. */
export interface DirListing {
  /** Entries sorted by name (UTF-16 code-unit order). */
  entries: DirEntry[];
  /** True when the directory held more than `maxEntries` entries and the rest were left out. */
  truncated: boolean;
}

async function describe(dir: string, name: string): Promise<DirEntry | undefined> {
  try {
    const info = await lstat(join(dir, name));
    const type = info.isSymbolicLink()
      ? "symlink"
      : info.isDirectory()
        ? "dir"
        : info.isFile()
          ? "file"
          : "other";
    return { name, type, size: info.size };
  } catch {
    return undefined; // removed between readdir and lstat: it is simply not there any more
  }
}

/**
 * Lists the directory at `requested` (relative to `root`). Throws `HubError` with `PATH_OUTSIDE_ROOT`,
 * `NOT_FOUND`, `NOT_A_DIRECTORY` or `PERMISSION_DENIED`.
 */
export async function listDirectory(
  root: string,
  requested: string,
  maxEntries = DEFAULT_MAX_ENTRIES,
): Promise<DirListing> {
  const { real } = await resolveInsideRoot(root, requested);
  let names: string[];
  try {
    if (!(await stat(real)).isDirectory()) {
      throw new HubError(NOT_A_DIRECTORY, `path ${JSON.stringify(requested)} is not a directory`);
    }
    names = await readdir(real);
  } catch (error) {
    throw error instanceof HubError ? error : fsErrorToHubError(error, requested);
  }
  names.sort();
  const truncated = names.length > maxEntries;
  const kept = names.slice(0, maxEntries);
  const entries: DirEntry[] = [];
  for (let i = 0; i < kept.length; i += LSTAT_BATCH) {
    const batch = await Promise.all(kept.slice(i, i + LSTAT_BATCH).map((name) => describe(real, name)));
    for (const entry of batch) if (entry) entries.push(entry);
  }
  return { entries, truncated };
}
