/** Runs the compiled `dist/alkhub` as a child process, the way users do. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { eventually } from "./eventually.ts";

export const BINARY_PATH = join(import.meta.dir, "..", "..", "dist", "alkhub");

/** Fails clearly when the binary was not built (`npm test` builds it first). */
export function requireBinary(): string {
  if (!existsSync(BINARY_PATH))
    throw new Error(`${BINARY_PATH} is missing: run 'bun run build' (npm test does)`);
  return BINARY_PATH;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command of the binary to completion. */
export async function runBinary(
  args: string[],
  options: { cwd?: string; stdin?: string } = {},
): Promise<RunResult> {
  const proc = Bun.spawn([requireBinary(), ...args], {
    cwd: options.cwd,
    env: {},
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { exitCode, stdout, stderr };
}

export interface ServingHub {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  /** Everything the process wrote to stderr so far (its log). */
  log(): string;
  /** GET /health as { status code, body }. */
  health(): Promise<{ code: number; body: Record<string, unknown> } | undefined>;
  /** Sends a signal and waits for the exit code (and for the whole log to be read). */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/**
 * Starts `alkhub serve` with the given files on `options.port` (default a free port; a restart passes the old
 * one so that clients find it again); resolves once it is spawned.
 */
export async function serveBinary(
  configPath: string,
  keyPath: string,
  extraArgs: string[] = [],
  options: { port?: number } = {},
): Promise<ServingHub> {
  const port = options.port ?? (await freePort());
  const proc = Bun.spawn(
    [
      requireBinary(),
      "serve",
      "--config",
      configPath,
      "--master-key-file",
      keyPath,
      "--port",
      String(port),
      ...extraArgs,
    ],
    { env: {}, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  let stderr = "";
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();
  const url = `http://127.0.0.1:${port}`;
  return {
    proc,
    url,
    log: () => stderr,
    async health() {
      try {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
        return { code: response.status, body: (await response.json()) as Record<string, unknown> };
      } catch {
        return undefined;
      }
    },
    async stop(signal = "SIGTERM") {
      proc.kill(signal);
      const code = await proc.exited;
      await drained;
      return code;
    },
  };
}

/** Waits until `hub` reports `ok` on /health; fails at once, with its log, if the process exits first. */
export async function waitForReady(hub: ServingHub, what: string, timeoutMs = 20_000): Promise<void> {
  await eventually(
    async () => {
      if (hub.proc.exitCode !== null || hub.proc.signalCode !== null) {
        throw new Error(`${what} exited: ${hub.log().slice(-1500)}`);
      }
      return (await hub.health())?.body.status === "ok";
    },
    { timeoutMs, intervalMs: 50, what: `${what} ready` },
  );
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}
