/**
 * Size of the compiled binary `dist/alkhub` (PERFORMANCE.md target: ≤ 130 MB). The embedded source map
 * (`--sourcemap`) is inside the binary; the `.map` files beside it are reported for information.
 *
 * Usage: bun scripts/bench/binary-size.ts [--json]
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  type BenchResult,
  type BenchRow,
  BINARY_PATH,
  parseBenchArgs,
  printRows,
  requireBinary,
} from "./support/index.ts";

/** Largest binary, in MB (10^6 bytes). */
const MAX_MB = 130;

export function binarySizeRows(): BenchRow[] {
  const bytes = statSync(requireBinary()).size;
  const mb = bytes / 1e6;
  // One source map per chunk of the split bundle (scripts/build.ts), written beside the binary.
  const dir = dirname(BINARY_PATH);
  const maps = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".map")) : [];
  const mapBytes = maps.reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  return [
    {
      what: "binary size of dist/alkhub",
      target: "≤ 130 MB",
      hub: `${mb.toFixed(1)} MB (${(bytes / 2 ** 20).toFixed(1)} MiB)`,
      raw: "—",
      ratio: `${(mb / MAX_MB).toFixed(2)} of target`,
      met: mb <= MAX_MB,
      data: { bytes },
      note:
        maps.length > 0
          ? `plus ${(mapBytes / 1e6).toFixed(1)} MB of source maps beside it (${maps.length} files)`
          : undefined,
    },
  ];
}

/** Runs the benchmark; resolves with its rows. */
export async function run(): Promise<BenchResult> {
  return { name: "binary-size", rows: binarySizeRows(), seconds: 0 };
}

if (import.meta.main) {
  const { values } = parseBenchArgs(Bun.argv.slice(2), { json: { type: "boolean", default: false } });
  const result = await run();
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printRows(result.rows);
}
