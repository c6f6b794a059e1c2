/**
 * The MCP SDK's client `Transport` over a child process's stdin and stdout, on Bun's own process API. It replaces
 * the SDK's `StdioClientTransport` in the bridge, whose hot path is the relay of every call: that one goes through
 * `node:child_process` streams and writes each message on its own (measured on the bridge under load: a `send`
 * and an epoll re-arm per message), and reads through Node stream events. This one writes the first message of
 * a turn of the event loop at once and the rest of the turn together when it ends (`turn-end.ts`: a burst of
 * calls relayed from one WebSocket read leaves in two system calls), and reads stdout as Bun's native stream.
 * Messages are newline-delimited JSON-RPC, as the SDK's own stdio transport reads and writes them, and the child is
 * stopped as it stops one: stdin closed, then SIGTERM, then SIGKILL.
 */
import { serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Subprocess } from "bun";
import { TurnEndWriter } from "../sdk/index.ts";

export interface ChildStdioOptions {
  command: string;
  args: string[];
  /** The child's whole environment. */
  env: Record<string, string>;
  cwd?: string;
  /** Each chunk the child writes to stderr, decoded. */
  onStderr: (chunk: string) => void;
  /** Longest line of stdout kept while waiting for its newline, in characters. Default 10 Mi (the SDK's bytes). */
  maxLineLength?: number;
}

/** The SDK's limit of one unfinished stdout line. */
const DEFAULT_MAX_LINE_LENGTH = 10 * 1024 * 1024;
/** How long the child gets after stdin closes, and again after SIGTERM, before the next step (as the SDK). */
const STOP_STEP_MS = 2000;

type Child = Subprocess<"pipe", "pipe", "pipe">;

export class ChildStdioTransport extends TurnEndWriter<string> implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #options: ChildStdioOptions;
  #child: Child | undefined;
  #closed = false;

  constructor(options: ChildStdioOptions) {
    super();
    this.#options = options;
  }

  /** The child's process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    if (this.#child || this.#closed) throw new Error("the stdio transport was already started");
    const { command, args, env, cwd } = this.#options;
    // Throws at once when the command cannot be started (not found, not executable): connect() reports it.
    const child = Bun.spawn([command, ...args], {
      env,
      ...(cwd === undefined ? {} : { cwd }),
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    this.#child = child;
    void this.#readStdout(child);
    void this.#readStderr(child);
    void child.exited.then(() => this.#ended(child));
  }

  send(message: JSONRPCMessage): Promise<void> {
    const child = this.#child;
    if (!child) return Promise.reject(new Error("Not connected"));
    const line = serializeMessage(message);
    if (!this.keepForTurnEnd(line)) this.#write(child, line);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const child = this.#child;
    if (!child) return;
    this.flushTurn();
    try {
      await child.stdin.end();
    } catch {
      // The child closed its stdin already.
    }
    if (await exitsWithin(child, STOP_STEP_MS)) return;
    child.kill("SIGTERM");
    if (await exitsWithin(child, STOP_STEP_MS)) return;
    child.kill("SIGKILL");
    await child.exited;
  }

  protected writeKept(lines: string[]): void {
    const child = this.#child;
    if (child) this.#write(child, lines.join(""));
  }

  protected turnFlushFailed(error: unknown): void {
    this.#fail(error);
  }

  #write(child: Child, text: string): void {
    try {
      child.stdin.write(text);
      const flushed = child.stdin.flush();
      if (flushed instanceof Promise) flushed.catch((error: unknown) => this.#fail(error));
    } catch (error) {
      // The child's stdin is closed: it is exiting, and its exit closes the transport.
      this.#fail(error);
    }
  }

  async #readStdout(child: Child): Promise<void> {
    const decoder = new TextDecoder();
    const limit = this.#options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    let pending = "";
    try {
      for await (const chunk of child.stdout) {
        // What is pending has no newline (every line in it was delivered): only the new text is searched.
        const searchFrom = pending.length;
        pending += decoder.decode(chunk, { stream: true });
        let start = 0;
        for (let end = pending.indexOf("\n", searchFrom); end !== -1; end = pending.indexOf("\n", start)) {
          const line =
            pending.charCodeAt(end - 1) === 13 ? pending.slice(start, end - 1) : pending.slice(start, end);
          start = end + 1;
          this.#deliver(line);
        }
        pending = start === 0 ? pending : pending.slice(start);
        if (pending.length > limit) {
          throw new Error(
            `the MCP server wrote a stdout line longer than ${limit} characters without a newline`,
          );
        }
      }
    } catch (error) {
      this.#fail(error);
      void this.close();
    }
  }

  /**
   * A line is handed on once it is a JSON-RPC 2.0 object; its shape is checked by the SDK's `Protocol`, which
   * tests every message against its request, notification and response schemas before it acts on it (checking
   * it here too, as `deserializeMessage` does, was the same work twice on every answer).
   */
  #deliver(line: string): void {
    if (line === "") return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (error) {
      this.onerror?.(new Error(`the MCP server wrote a line that is not JSON: ${(error as Error).message}`));
      return;
    }
    if (
      typeof message !== "object" ||
      message === null ||
      (message as { jsonrpc?: unknown }).jsonrpc !== "2.0"
    ) {
      this.onerror?.(new Error("the MCP server wrote a line that is not a JSON-RPC 2.0 message"));
      return;
    }
    this.onmessage?.(message as JSONRPCMessage);
  }

  async #readStderr(child: Child): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of child.stderr) this.#options.onStderr(decoder.decode(chunk, { stream: true }));
    } catch {
      // stderr is only logged; its end or failure says nothing the exit does not.
    }
  }

  #ended(child: Child): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.onclose?.();
  }

  #fail(error: unknown): void {
    this.onerror?.(error instanceof Error ? error : new Error(String(error)));
  }
}

async function exitsWithin(child: Child, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const exited = await Promise.race([child.exited.then(() => true as const), timeout]);
  clearTimeout(timer);
  return exited;
}
