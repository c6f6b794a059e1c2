/** The fs example spoke: read-only operations over one root (run it with `bun examples/fs/main.ts`). */
export {
  DEFAULT_MAX_ENTRIES,
  type DirEntry,
  type DirListing,
  listDirectory,
  NOT_A_DIRECTORY,
} from "./list-dir.ts";
export { createFsOperations, type FsOperationsOptions } from "./operations.ts";
export {
  DEFAULT_MAX_BYTES,
  FILE_TOO_LARGE,
  type FileContent,
  type FileEncoding,
  NOT_A_FILE,
  readFileInsideRoot,
} from "./read-file.ts";
export {
  fsErrorToHubError,
  isInside,
  MAX_PATH_LENGTH,
  NOT_FOUND,
  PATH_OUTSIDE_ROOT,
  PERMISSION_DENIED,
  type ResolvedPath,
  resolveInsideRoot,
  SYMLINK_LOOP,
} from "./resolve-path.ts";
