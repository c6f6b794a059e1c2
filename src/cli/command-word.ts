/**
 * Which command an `alkhub` command line runs, read from its first word alone: `help`, the named command, or
 * `serve` — the default when the line is empty or starts with an option. A module of its own, with no imports,
 * so `main.ts` can read it (for the allocator setting, src/allocator.ts) before the CLI is loaded.
 */
export function commandWord(argv: readonly string[]): string {
  const first = argv[0];
  if (first === "--help" || first === "-h" || first === "help") return "help";
  if (first === undefined || first.startsWith("-")) return "serve";
  return first;
}
