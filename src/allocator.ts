/**
 * The allocator setting of a long-running alkhub process (issue #11). Bun's allocator, mimalloc, hands memory
 * that was freed back to the kernel 100 ms later by default. Under a steady stream of calls the garbage
 * collector frees and reuses the same memory all the time, so the hub spent a share of its CPU in `madvise` and
 * in the page faults that bring the memory back — and, on a virtual machine, in the TLB shootdowns each
 * `madvise` sends to the other cores (`perf` on the hub under load: a fifth of its samples). With purging off,
 * hub CPU per call at 64 in flight fell by about a fifth (41–71 → 31–37 µs on a busy 2-core VM, five runs
 * each; delays of 1 s or 10 s, or purging without decommitting, gained little or nothing). The cost: memory
 * the hub once used stays with it (reused, not returned), so its RSS is its high-water mark
 * (docs/operations.md › Memory).
 *
 * mimalloc reads its options only from the environment when the process starts, so a `serve` or `bridge`
 * process started without the setting executes itself again, once, with it set: same pid, same arguments, the
 * environment plus this one variable. A value the operator set wins (`MIMALLOC_PURGE_DELAY=100` is Bun's own).
 */

import { commandWord } from "./cli/command-word.ts";

/** The variable mimalloc reads, and its value: freed memory is never handed back to the kernel on a timer. */
export const PURGE_DELAY_VARIABLE = "MIMALLOC_PURGE_DELAY";
export const PURGE_DELAY_MS = "-1";

/** Whether `argv` (after the executable) runs a long-lived command: `serve` (also the default) or `bridge`. */
export function isLongRunning(argv: readonly string[]): boolean {
  const word = commandWord(argv);
  return word === "serve" || word === "bridge";
}

/**
 * The `execve` that gives this process the allocator setting, or undefined when none is needed: a short
 * command, or the variable is set already (by the operator, or by the first start of this process).
 */
export function allocatorReexec(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  self: { execPath: string; execArgv: readonly string[]; main: string; script: string | undefined },
): { path: string; args: string[]; env: Record<string, string> } | undefined {
  if (env[PURGE_DELAY_VARIABLE] !== undefined || !isLongRunning(argv)) return undefined;
  // A compiled binary embeds its entry (Bun's `/$bunfs/` files); `bun src/main.ts` needs the script named again.
  const script = self.main.startsWith("/$bunfs/") || self.script === undefined ? [] : [self.script];
  const next: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) next[name] = value;
  next[PURGE_DELAY_VARIABLE] = PURGE_DELAY_MS;
  return { path: self.execPath, args: [self.execPath, ...self.execArgv, ...script, ...argv], env: next };
}

/** Executes this process again with the allocator setting when it needs it; returns only when it does not. */
export function tuneAllocator(): void {
  const reexec = allocatorReexec(process.argv.slice(2), process.env, {
    execPath: process.execPath,
    execArgv: process.execArgv,
    main: Bun.main,
    script: process.argv[1],
  });
  // A runtime without `execve` runs on with the default setting.
  if (reexec && process.execve) process.execve(reexec.path, reexec.args, reexec.env);
}
