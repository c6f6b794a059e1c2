/**
 * Shared pieces of the spoke-protocol integration suites: API keys made straight in the hub's store, and an SDK
 * spoke with operations whose behaviour a test can hold open, inspect and abort.
 */
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import type { Subprocess } from "bun";
import { createApiKey, type Scope } from "../../src/auth/index.ts";
import type { Hub } from "../../src/hub.ts";
import { connectSpoke, type Spoke, type SpokeOptions, type SpokeStatus } from "../../src/sdk/index.ts";
import { eventually } from "./eventually.ts";
import { commonOperations } from "./test-operations.ts";

/** A key made for a test: the plaintext (never printed) and its id. */
export interface TestKey {
  key: string;
  id: string;
  accountId: string;
}

/** Creates a key in `hub`'s store. Defaults: account "acme", no spoke names, every operation. */
export async function makeKey(
  hub: Hub,
  options: {
    scopes: Scope[];
    account?: string;
    name?: string;
    spokeNames?: string[];
    operations?: string[];
    expiresAt?: Date;
  },
): Promise<TestKey> {
  const { key, record } = await createApiKey(hub.store, {
    account: options.account ?? "acme",
    name: options.name ?? `test-${crypto.randomUUID().slice(0, 8)}`,
    scopes: options.scopes,
    spokeNames: options.spokeNames,
    operations: options.operations,
    expiresAt: options.expiresAt,
  });
  return { key, id: record.id, accountId: record.accountId };
}

/** A promise the test opens when it likes. */
export interface Gate {
  release(): void;
  wait: Promise<void>;
}

export function gate(): Gate {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { release: () => resolve(), wait: promise };
}

/** What the `slow.wait` handler saw: calls started and calls whose signal fired, by the spoke's request id. */
export interface Hold {
  current: Gate;
  started: string[];
  aborted: string[];
  /** Abort reasons, in the order the signals fired. */
  reasons: string[];
}

export function newHold(): Hold {
  return { current: gate(), started: [], aborted: [], reasons: [] };
}

/** How many operations a test spoke registers ({@link spokeOperations}). */
export function testSpokeOperationCount(): number {
  return Object.keys(spokeOperations(newHold())).length;
}

/** The operations of the test spokes; `hold` controls `slow.wait`. */
export function spokeOperations(hold: Hold) {
  return {
    ...commonOperations,
    "who.ami": {
      type: "query" as const,
      description: "Returns what the spoke was told about the call",
      input: Type.Object({}),
      handler: (_input: unknown, ctx: { requestId: string; operation: string; caller: unknown }) => ({
        requestId: ctx.requestId,
        operation: ctx.operation,
        caller: ctx.caller,
      }),
    },
    "slow.wait": {
      type: "mutation" as const,
      description: "Waits until the test releases it or the call is aborted",
      input: Type.Object({}),
      handler: async (_input: unknown, ctx: { signal: AbortSignal; requestId: string }) => {
        hold.started.push(ctx.requestId);
        const aborted = new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => {
            hold.aborted.push(ctx.requestId);
            hold.reasons.push(String(ctx.signal.reason?.message ?? ctx.signal.reason));
            resolve();
          }),
        );
        await Promise.race([hold.current.wait, aborted]);
        return { done: true };
      },
    },
    "steps.run": {
      type: "mutation" as const,
      description: "Reports progress three times, then answers",
      input: Type.Object({}),
      handler: (_input: unknown, ctx: { progress(p: number, t?: number, m?: string): void }) => {
        for (let step = 1; step <= 3; step++) ctx.progress(step, 3, `step ${step}`);
        return "finished";
      },
    },
    "blob.make": {
      type: "query" as const,
      description: "Returns a string of `size` x characters",
      input: Type.Object({ size: Type.Integer({ minimum: 0 }) }),
      handler: ({ size }: { size: number }) => "x".repeat(size),
    },
    "blob.stream": {
      type: "subscription" as const,
      description: "Yields `n` strings of `size` x characters",
      input: Type.Object({ n: Type.Integer({ minimum: 0 }), size: Type.Integer({ minimum: 0 }) }),
      async *handler({ n, size }: { n: number; size: number }) {
        const item = "x".repeat(size);
        for (let i = 0; i < n; i++) yield item;
      },
    },
  };
}

/** An SDK spoke connected to a test hub, with its status events and `slow.wait` control. */
export interface TestSpoke {
  spoke: Spoke;
  hold: Hold;
  events: SpokeStatus[];
}

/** Connects an SDK spoke with {@link spokeOperations} and fast reconnects. */
export async function connectTestSpoke(
  wsUrl: string,
  token: string,
  name: string,
  overrides: Partial<SpokeOptions> = {},
): Promise<TestSpoke> {
  const hold = newHold();
  const events: SpokeStatus[] = [];
  const spoke = await connectSpoke({
    url: wsUrl,
    token,
    name,
    operations: spokeOperations(hold),
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    ...overrides,
  } as SpokeOptions);
  spoke.onStatus((status) => events.push(status));
  return { spoke, hold, events };
}

/** A spoke running in a child `bun` process (see `spoke-child.ts`). */
export interface ChildSpoke {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Lines the child printed so far. */
  lines: string[];
  /** Waits until the child printed a line starting with `prefix`; returns it. */
  waitForLine(prefix: string, timeoutMs?: number): Promise<string>;
  /** How many printed lines start with `prefix`. */
  count(prefix: string): number;
  /** SIGKILLs the child (if still running) and waits for it to exit. */
  kill(): Promise<void>;
}

/** Starts `spoke-child.ts` as spoke `name`; resolves once it registered. The key travels in the environment. */
export function spawnChildSpoke(wsUrl: string, token: string, name: string): Promise<ChildSpoke> {
  return spawnSpokeScript(join(import.meta.dir, "spoke-child.ts"), wsUrl, token, name);
}

/**
 * Starts a spoke script (it reads ALKHUB_TEST_WS_URL, ALKHUB_TEST_KEY, ALKHUB_TEST_SPOKE and prints a line
 * `registered` once it is) in a child `bun` process; resolves once it registered.
 */
export async function spawnSpokeScript(
  script: string,
  wsUrl: string,
  token: string,
  name: string,
  env: Record<string, string> = {},
): Promise<ChildSpoke> {
  const proc = Bun.spawn([process.execPath, script], {
    env: {
      ...process.env,
      ...env,
      ALKHUB_TEST_WS_URL: wsUrl,
      ALKHUB_TEST_KEY: token,
      ALKHUB_TEST_SPOKE: name,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: string[] = [];
  void (async () => {
    let rest = "";
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
    }
  })();
  // Without this a child the test forgot would outlive the test process.
  const onExit = () => proc.kill("SIGKILL");
  process.once("exit", onExit);
  const child: ChildSpoke = {
    proc,
    lines,
    count: (prefix) => lines.filter((line) => line.startsWith(prefix)).length,
    waitForLine: (prefix, timeoutMs = 10_000) =>
      eventually(
        () => {
          const line = lines.find((l) => l.startsWith(prefix));
          if (line === undefined) {
            if (proc.exitCode !== null) throw new Error(`the child spoke exited with ${proc.exitCode}`);
            throw new Error(`no line "${prefix}…" yet`);
          }
          return line;
        },
        { timeoutMs, what: `child line ${prefix}` },
      ),
    async kill() {
      process.off("exit", onExit);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
  try {
    await child.waitForLine("registered", 15_000);
  } catch (error) {
    await child.kill();
    throw new Error(
      `${(error as Error).message}; stderr: ${(await new Response(proc.stderr).text()).slice(-500)}`,
    );
  }
  return child;
}
