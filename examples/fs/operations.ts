/** The fs spoke's operations: read-only access to one directory tree (`fs.list`, `fs.read`). */

import { defineOperation } from "@alkdev/hub/spoke";
import { Type } from "@sinclair/typebox";
import { DEFAULT_MAX_ENTRIES, listDirectory } from "./list-dir.ts";
import { DEFAULT_MAX_BYTES, readFileInsideRoot } from "./read-file.ts";
import { MAX_PATH_LENGTH } from "./resolve-path.ts";

/** Options of `createFsOperations`. */
export interface FsOperationsOptions {
  /** The directory every path is relative to; nothing outside it (after symlinks) can be read. */
  root: string;
  /** Largest file `fs.read` returns, in bytes. Default 1 MiB (`DEFAULT_MAX_BYTES`). */
  maxBytes?: number;
  /** Most entries `fs.list` returns. Default 10 000 (`DEFAULT_MAX_ENTRIES`). */
  maxEntries?: number;
}

const pathField = (what: string) =>
  Type.String({
    maxLength: MAX_PATH_LENGTH,
    description: `${what}, relative to the shared root ("." is the root). Absolute paths and ".." leading out are refused.`,
  });

/** The read-only annotations both operations share. */
const READ_ONLY = { readOnly: true, idempotent: true, destructive: false, openWorld: false } as const;

/**
 * Builds `fs.list` and `fs.read` for one root. The root is resolved (`realpath`) on every call, so the checks
 * hold even if the root itself is a symlink. Neither operation writes anything. Throws `RangeError` for a
 * negative or fractional `maxBytes` / `maxEntries`.
 */
export function createFsOperations(options: FsOperationsOptions) {
  const { root } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  for (const [key, value] of [
    ["maxBytes", maxBytes],
    ["maxEntries", maxEntries],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`createFsOperations: options.${key} must be a whole number ≥ 0, got ${value}`);
    }
  }

  const list = defineOperation({
    type: "query",
    title: "List a directory",
    description:
      "Lists the entries of one directory in the shared file tree: each entry's name, type (file, dir, " +
      `symlink or other; symlinks are not followed) and size in bytes. At most ${maxEntries} entries, sorted ` +
      "by name; `truncated` says whether more were left out. Use it to explore the tree before fs.read. " +
      "Errors: PATH_OUTSIDE_ROOT, NOT_FOUND, NOT_A_DIRECTORY.",
    tags: ["fs"],
    annotations: READ_ONLY,
    input: Type.Object({ path: Type.Optional(pathField("The directory to list")) }),
    output: Type.Object({
      entries: Type.Array(
        Type.Object({
          name: Type.String(),
          type: Type.Union([
            Type.Literal("file"),
            Type.Literal("dir"),
            Type.Literal("symlink"),
            Type.Literal("other"),
          ]),
          size: Type.Integer({ minimum: 0 }),
        }),
      ),
      truncated: Type.Boolean(),
    }),
    handler: ({ path = "." }) => listDirectory(root, path, maxEntries),
  });

  const read = defineOperation({
    type: "query",
    title: "Read a file",
    description:
      `Reads one file from the shared file tree (at most ${maxBytes} bytes) and returns { content, encoding, ` +
      'size }. Use encoding "utf8" (default) for text and "base64" for binary files. Use fs.list first to ' +
      "find paths. Errors: PATH_OUTSIDE_ROOT, NOT_FOUND, NOT_A_FILE, FILE_TOO_LARGE.",
    tags: ["fs"],
    annotations: READ_ONLY,
    input: Type.Object({
      path: pathField("The file to read"),
      encoding: Type.Optional(
        Type.Union([Type.Literal("utf8"), Type.Literal("base64")], {
          description: 'How to return the bytes: "utf8" (default) or "base64".',
        }),
      ),
    }),
    output: Type.Object({
      content: Type.String(),
      encoding: Type.Union([Type.Literal("utf8"), Type.Literal("base64")]),
      size: Type.Integer({ minimum: 0 }),
    }),
    handler: ({ path, encoding = "utf8" }) => readFileInsideRoot(root, path, encoding, maxBytes),
  });

  return { "fs.list": list, "fs.read": read };
}
