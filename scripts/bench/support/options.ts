/** What every benchmark script shares: its options, the row it returns, and how a row is printed. */
import { parseArgs } from "node:util";
import type { WindowOptions } from "./load.ts";

/** Defaults of the measured windows: 2 s warm-up, then 3 windows of 5 s. */
export const DEFAULT_WINDOWS: WindowOptions = { warmupMs: 2000, windows: 3, windowMs: 5000 };

/** One line of the results table. */
export interface BenchRow {
  /** What was measured ("relay throughput, 64 in flight, 1 conn"). */
  what: string;
  /** The PERFORMANCE.md target, as text. */
  target: string;
  /** Hub figure, usually `median [min–max]`. */
  hub: string;
  /** Raw baseline figure, or "—". */
  raw: string;
  /** hub ÷ raw (or the figure the target compares), as text. */
  ratio: string;
  /** Whether the target is met; null when the row has no target of its own. */
  met: boolean | null;
  /** Extra numbers for the JSON output and the chart. */
  data?: Record<string, unknown>;
  /** Anything the reader must know (a limit, a failure). */
  note?: string;
}

/** The result of one benchmark script. */
export interface BenchResult {
  name: string;
  rows: BenchRow[];
  seconds: number;
}

/** Common options a script is run with (`run(options)` or the command line). */
export interface BenchOptions extends WindowOptions {
  /** Print progress lines to stderr. */
  verbose: boolean;
}

/** The value of option `--name` as a positive integer; throws naming the option otherwise. */
export function positiveIntArg(name: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got ${value})`);
  return n;
}

/** Parses `--windows --window-ms --warmup-ms --quiet` plus the script's own `extra` options. */
export function parseBenchArgs(
  argv: string[],
  extra: Record<string, { type: "string" | "boolean"; default?: string | boolean }>,
) {
  const parsed = parseArgs({
    args: argv,
    options: {
      windows: { type: "string", default: String(DEFAULT_WINDOWS.windows) },
      "window-ms": { type: "string", default: String(DEFAULT_WINDOWS.windowMs) },
      "warmup-ms": { type: "string", default: String(DEFAULT_WINDOWS.warmupMs) },
      quiet: { type: "boolean", default: false },
      ...extra,
    },
  });
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const int = (name: string) => positiveIntArg(name, values[name]);
  const common: BenchOptions = {
    windows: int("windows"),
    windowMs: int("window-ms"),
    warmupMs: int("warmup-ms"),
    verbose: values.quiet !== true,
  };
  return { common, values, int };
}

/** A progress line on stderr (stdout is for the table). */
export function progress(options: Pick<BenchOptions, "verbose">, message: string): void {
  if (options.verbose) console.error(`  · ${message}`);
}

/** Prints rows as an aligned text table. */
export function printRows(rows: BenchRow[]): void {
  const head = ["what", "target", "hub", "raw", "ratio", "met?"];
  const cells = rows.map((r) => [r.what, r.target, r.hub, r.raw, r.ratio, metText(r.met)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
  for (const r of rows) if (r.note) console.log(`note (${r.what}): ${r.note}`);
}

/** ✅, ❌ or — */
export function metText(met: boolean | null): string {
  return met === null ? "—" : met ? "yes" : "NO";
}
