/**
 * A `redis-server` of a test's own, for suites that must kill or restart Redis without disturbing the shared one
 * (design README › Services). It listens on a free 127.0.0.1 port, keeps nothing on disk, and is stopped by pid.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

/** How long to wait for a started server to answer PING. */
const START_TIMEOUT_MS = 5000;

/** A running test Redis. */
export interface TestRedisServer {
  /** Its port on 127.0.0.1; it stays the same across restart(). */
  port: number;
  /** `redis://127.0.0.1:<port>`, with the password in it when the server has one. */
  url: string;
  /** Shuts it down cleanly (SIGTERM) and removes its directory. Harmless when it is not running. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), as a crash would. Harmless when it is not running. */
  kill(): Promise<void>;
  /** Starts it again on the same port (stopping it first if it still runs), resolving once it answers PING. */
  restart(): Promise<void>;
  /** Stops the process (SIGSTOP): connections stay open and nothing answers, as a hung server would. */
  freeze(): void;
  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void;
}

/** Options of {@link startRedisServer}. */
export interface TestRedisServerOptions {
  /** Makes the server require this password (`--requirepass`); default none. */
  password?: string;
}

/** Starts a `redis-server` (from PATH) and resolves once it answers PING. */
export async function startRedisServer(opts: TestRedisServerOptions = {}): Promise<TestRedisServer> {
  const port = await freePort();
  const extra = opts.password === undefined ? [] : ["--requirepass", opts.password];
  let running: Running | undefined = await launch(port, extra);
  const end = async (signal: "SIGTERM" | "SIGKILL") => {
    const current = running;
    running = undefined;
    if (current) await current.end(signal);
  };
  return {
    port,
    url:
      opts.password === undefined
        ? `redis://127.0.0.1:${port}`
        : `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${port}`,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    async restart() {
      await end("SIGTERM");
      running = await launch(port, extra);
    },
    freeze: () => running?.signal("SIGSTOP"),
    thaw: () => running?.signal("SIGCONT"),
  };
}

interface Running {
  end(signal: "SIGTERM" | "SIGKILL"): Promise<void>;
  signal(signal: "SIGSTOP" | "SIGCONT"): void;
}

async function launch(port: number, extra: string[]): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), "alkhub-redis-"));
  const proc = Bun.spawn(
    [
      "redis-server",
      ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      // A log file rather than a pipe nobody reads, which would stall the server once full.
      ...["--dir", dir, "--logfile", join(dir, "redis.log")],
      ...extra,
    ],
    { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: "pipe" },
  );
  // If the test process dies without stopping it, the server must not outlive it.
  const onExit = () => proc.kill("SIGKILL");
  process.once("exit", onExit);
  const end = async (signal: "SIGTERM" | "SIGKILL") => {
    process.off("exit", onExit);
    // A frozen server would not act on SIGTERM until it runs again.
    proc.kill("SIGCONT");
    proc.kill(signal);
    await proc.exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(port, proc, dir);
  } catch (error) {
    await end("SIGKILL");
    throw error;
  }
  return { end, signal: (signal) => proc.kill(signal) };
}

async function waitForPing(
  port: number,
  proc: Subprocess<"ignore", "ignore", "pipe">,
  dir: string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      const log = Bun.file(join(dir, "redis.log"));
      const output = `${await new Response(proc.stderr).text()}${(await log.exists()) ? await log.text() : ""}`;
      throw new Error(`redis-server on port ${port} exited with ${proc.exitCode}: ${output.slice(-500)}`);
    }
    if (await answersPing(port)) return;
    await Bun.sleep(20);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms`);
}

/** Whether a Redis on 127.0.0.1:`port` answers a RESP PING. */
async function answersPing(port: number): Promise<boolean> {
  const { promise, resolve } = Promise.withResolvers<boolean>();
  let reply = "";
  try {
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (s) => void s.write("PING\r\n"),
        data: (s, chunk) => {
          reply += chunk.toString();
          if (reply.includes("\r\n")) {
            // NOAUTH is an answer too: a server with a password is up, it only wants AUTH first.
            resolve(reply.startsWith("+PONG") || reply.startsWith("-NOAUTH"));
            s.end();
          }
        },
        close: () => resolve(false),
        error: () => resolve(false),
      },
    });
    const timer = setTimeout(() => {
      resolve(false);
      socket.end();
    }, 500);
    const answered = await promise;
    clearTimeout(timer);
    return answered;
  } catch {
    return false;
  }
}

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
