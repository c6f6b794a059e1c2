/**
 * Every process a benchmark starts goes through one `ProcessGroup`, which stops them all by pid when the
 * benchmark ends, fails, or the parent is interrupted: no hub, relay or load generator outlives its script.
 */
import type { Subprocess } from "bun";

/** How long a stopped process gets after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5000;

/** A process started by a group, with its stdout read line by line. */
export interface BenchProcess {
  readonly name: string;
  readonly proc: Subprocess<"ignore" | "pipe", "pipe", "pipe" | "ignore">;
  readonly pid: number;
  /** Lines of stdout read so far (without the newline). */
  readonly lines: string[];
  /** Resolves with the first stdout line that `match` accepts; rejects if the process exits or `timeoutMs` passes. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** What the process wrote to stderr (the last 4 KB), for error messages. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  stop(): Promise<number>;
  /** Waits up to `timeoutMs` for the process to exit by itself, then stops it; resolves with the exit code. */
  finish(timeoutMs: number): Promise<number>;
}

/** Options of {@link ProcessGroup.spawn}. */
export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Write stderr to this file instead of keeping a tail in memory (hub logs can be long). */
  stderrFile?: string;
  stdin?: "ignore" | "pipe";
}

/** Starts processes and stops every one of them, by pid, in `stopAll()`. */
export class ProcessGroup {
  readonly #procs = new Set<BenchProcess>();
  readonly #onExit = () => {
    for (const p of this.#procs) p.proc.kill("SIGKILL");
  };

  constructor() {
    // The parent dying (Ctrl-C, an uncaught error) must not leave children running.
    process.once("exit", this.#onExit);
  }

  spawn(name: string, cmd: string[], options: SpawnOptions = {}): BenchProcess {
    const proc = Bun.spawn(cmd, {
      env: options.env ?? { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      cwd: options.cwd,
      stdin: options.stdin ?? "ignore",
      stdout: "pipe",
      stderr: options.stderrFile ? Bun.file(options.stderrFile) : "pipe",
    }) as BenchProcess["proc"];
    const lines: string[] = [];
    const waiters = new Set<() => void>();
    let stderr = "";
    const pump = async () => {
      let rest = "";
      const decoder = new TextDecoder();
      for await (const chunk of proc.stdout) {
        rest += decoder.decode(chunk, { stream: true });
        let nl = rest.indexOf("\n");
        while (nl >= 0) {
          lines.push(rest.slice(0, nl));
          rest = rest.slice(nl + 1);
          nl = rest.indexOf("\n");
        }
        for (const wake of waiters) wake();
      }
      if (rest) lines.push(rest);
      for (const wake of waiters) wake();
    };
    const stdoutDone = pump();
    if (!options.stderrFile && proc.stderr && typeof proc.stderr !== "number") {
      void (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) {
          stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-4096);
        }
      })();
    }
    const entry: BenchProcess = {
      name,
      proc,
      pid: proc.pid,
      lines,
      stderrTail: () => stderr,
      waitForLine: (match, timeoutMs) =>
        new Promise<string>((resolve, reject) => {
          let seen = 0;
          const check = () => {
            for (; seen < lines.length; seen++) {
              if (match(lines[seen]!)) {
                finish();
                resolve(lines[seen]!);
                return;
              }
            }
            if (proc.exitCode !== null || proc.signalCode !== null) {
              finish();
              reject(
                new Error(
                  `${name} (pid ${proc.pid}) exited with ${proc.exitCode ?? proc.signalCode} ` +
                    `before the expected output; stderr: ${stderr.slice(-800) || "(see its log file)"}`,
                ),
              );
            }
          };
          const timer = setTimeout(() => {
            finish();
            reject(new Error(`${name} (pid ${proc.pid}) gave no expected output within ${timeoutMs} ms`));
          }, timeoutMs);
          const finish = () => {
            clearTimeout(timer);
            waiters.delete(check);
          };
          waiters.add(check);
          void proc.exited.then(() => stdoutDone.then(check));
          check();
        }),
      stop: async () => {
        this.#procs.delete(entry);
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill("SIGTERM");
          const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
          await proc.exited;
          clearTimeout(timer);
        }
        return proc.exitCode ?? -1;
      },
      finish: async (timeoutMs) => {
        await Promise.race([proc.exited, Bun.sleep(timeoutMs)]);
        return entry.stop();
      },
    };
    this.#procs.add(entry);
    return entry;
  }

  /** Stops every process still running, in reverse start order. */
  async stopAll(): Promise<void> {
    for (const p of [...this.#procs].reverse()) await p.stop();
    process.off("exit", this.#onExit);
  }
}

/** The command that runs a TypeScript file of this folder with the current bun. */
export function bunScript(path: string, args: string[] = []): string[] {
  return [process.execPath, path, ...args];
}
