/**
 * Turning a caller's path into a real path inside the spoke's root, or a refusal. The caller's path is only ever
 * taken relative to the root; the answer is the `realpath` of the target, checked against the `realpath` of the
 * root, so `..`, absolute paths and symlinks (of the file or of any parent) that lead outside are all refused.
 */
import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { HubError } from "@alkdev/hub/spoke";

/** Domain code: the path leads outside the root (or is not a plain relative path). */
export const PATH_OUTSIDE_ROOT = "PATH_OUTSIDE_ROOT";
/** Domain code: nothing exists at the path (inside the root). */
export const NOT_FOUND = "NOT_FOUND";
/** Domain code: the spoke's user may not read the path. */
export const PERMISSION_DENIED = "PERMISSION_DENIED";
/** Domain code: the path runs into a symlink loop. */
export const SYMLINK_LOOP = "SYMLINK_LOOP";

/** Longest path accepted, in characters (PATH_MAX on Linux). */
export const MAX_PATH_LENGTH = 4096;

/** A requested path, resolved. */
export interface ResolvedPath {
  /** The real absolute path of the target: no `..`, no symlinks, inside `root`. Never shown to callers. */
  real: string;
  /** The real path of the root. */
  root: string;
  /** `real` relative to `root`, with `/` separators; `""` for the root itself. Safe to show to callers. */
  relative: string;
}

/** Whether `target` is `root` or below it; both must be absolute and normalised. */
export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function refuse(requested: string, why: string): HubError {
  return new HubError(PATH_OUTSIDE_ROOT, `path ${JSON.stringify(requested)} ${why}`);
}

/** Maps a file-system error code to the domain error a caller sees (without any absolute path). */
export function fsErrorToHubError(error: unknown, requested: string): HubError {
  const code = (error as { code?: unknown } | null)?.code;
  const shown = JSON.stringify(requested);
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return new HubError(NOT_FOUND, `path ${shown} does not exist`);
    case "EACCES":
    case "EPERM":
      return new HubError(PERMISSION_DENIED, `path ${shown} cannot be read by the spoke`);
    case "ELOOP":
      return new HubError(SYMLINK_LOOP, `path ${shown} runs into a symlink loop`);
    default:
      return new HubError("EXECUTION_ERROR", `path ${shown} cannot be opened (${String(code ?? "error")})`, {
        cause: error,
      });
  }
}

// The real path of the deepest ancestor of `candidate` that exists, so a missing file below a symlink that
// leads outside is refused as outside rather than reported missing (which would let callers probe outside).
async function realpathOfExistingAncestor(candidate: string): Promise<string | undefined> {
  let current = dirname(candidate);
  for (;;) {
    try {
      return await realpath(current);
    } catch {
      const parent = dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
}

/**
 * Resolves `requested` (relative to `root`; `""` and `"."` mean the root) to its real path inside the real
 * path of `root`. Throws a `HubError` with `PATH_OUTSIDE_ROOT` for a non-string, a NUL byte, an absolute path,
 * a path that climbs out with `..`, or one whose real path (after every symlink) is outside the root;
 * `NOT_FOUND` when nothing exists there; `PERMISSION_DENIED` / `SYMLINK_LOOP` as named. Percent-encoding is not
 * decoded: `%2e%2e` is a file name like any other.
 */
export async function resolveInsideRoot(root: string, requested: unknown): Promise<ResolvedPath> {
  if (typeof requested !== "string") throw refuse(String(requested), "is not a string");
  if (requested.includes("\0")) throw refuse(requested.replaceAll("\0", "\\0"), "contains a NUL byte");
  if (requested.length > MAX_PATH_LENGTH) {
    throw refuse(`${requested.slice(0, 64)}…`, `is longer than ${MAX_PATH_LENGTH} characters`);
  }
  if (isAbsolute(requested)) throw refuse(requested, "is absolute; give a path relative to the root");
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (error) {
    throw new HubError("UNAVAILABLE", "the spoke's root directory is not available", { cause: error });
  }
  const candidate = resolve(realRoot, requested);
  if (!isInside(realRoot, candidate)) throw refuse(requested, "leads outside the root");
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    const ancestor = await realpathOfExistingAncestor(candidate);
    if (ancestor === undefined || !isInside(realRoot, ancestor)) {
      throw refuse(requested, "leads outside the root");
    }
    throw fsErrorToHubError(error, requested);
  }
  if (!isInside(realRoot, real)) throw refuse(requested, "leads outside the root");
  return { real, root: realRoot, relative: relative(realRoot, real).split(sep).join("/") };
}
