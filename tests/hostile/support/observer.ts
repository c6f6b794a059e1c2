/**
 * The hostile suite's observer, run as a child process (so the attack the test process builds and sends does not
 * slow the observer's own event loop). It does three things against one hub until told to stop:
 *
 * - serves `bystander.echo` as spoke `bystander` (its own spoke key);
 * - calls `bystander.echo` over `/ws` back to back with a caller key of its own (the bystander), timing each call;
 * - GETs `/health` every 50 ms, timing each answer.
 *
 * Every sample is tagged with the current phase. It reads commands on stdin, one a line:
 * `phase <name>` (samples from now on belong to <name>), `report <name>` (prints one JSON line `report <json>`
 * with that phase's figures), `stop` (closes everything and exits). It prints `ready` once the bystander's first
 * call was answered.
 *
 * Environment: ALKHUB_OBSERVE_URL (http base), ALKHUB_OBSERVE_SPOKE_KEY, ALKHUB_OBSERVE_CALLER_KEY,
 * ALKHUB_OBSERVE_HEALTH_MS (sample interval, default 50).
 */
import { Type } from "@sinclair/typebox";
import { connectSpoke } from "../../../src/sdk/index.ts";

const base = process.env.ALKHUB_OBSERVE_URL ?? "";
const spokeKey = process.env.ALKHUB_OBSERVE_SPOKE_KEY ?? "";
const callerKey = process.env.ALKHUB_OBSERVE_CALLER_KEY ?? "";
const healthEveryMs = Number(process.env.ALKHUB_OBSERVE_HEALTH_MS ?? 50);
/** A call slower than this counts as failed (and ends the wait for it). */
const CALL_TIMEOUT_MS = 10_000;
/** A /health answer slower than this is recorded as this long (the sample is abandoned). */
const HEALTH_TIMEOUT_MS = 10_000;

interface PhaseSamples {
  health: number[];
  healthFailures: string[];
  calls: number[];
  callFailures: string[];
  startedAt: number;
}

const phases = new Map<string, PhaseSamples>();
let current = "startup";
const samplesOf = (name: string): PhaseSamples => {
  let found = phases.get(name);
  if (!found) {
    found = { health: [], healthFailures: [], calls: [], callFailures: [], startedAt: Date.now() };
    phases.set(name, found);
  }
  return found;
};

let stopping = false;

const spoke = await connectSpoke({
  url: `${base.replace(/^http/, "ws")}/ws`,
  token: spokeKey,
  name: "bystander",
  operations: {
    echo: {
      type: "query" as const,
      description: "Returns its input: the bystander's probe",
      input: Type.Object({ n: Type.Number() }),
      output: Type.Number(),
      handler: ({ n }: { n: number }) => n,
    },
  },
  reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
});

/** The bystander's caller: a raw /ws connection that sends one call at a time. */
const caller = new WebSocket(`${base.replace(/^http/, "ws")}/ws`, {
  headers: { authorization: `Bearer ${callerKey}` },
} as unknown as string[]);
const waiting = new Map<string, (frame: { type: string; payload: Record<string, unknown> }) => void>();
caller.addEventListener("message", (event) => {
  if (typeof event.data !== "string") return;
  const frame = JSON.parse(event.data) as { type: string; id: string; payload: Record<string, unknown> };
  waiting.get(frame.id)?.(frame);
});
await new Promise<void>((resolve, reject) => {
  caller.addEventListener("open", () => resolve());
  caller.addEventListener("close", (event) =>
    reject(new Error(`the bystander's caller closed (${event.code})`)),
  );
});

async function callOnce(n: number): Promise<void> {
  const id = crypto.randomUUID();
  const phase = current;
  const started = performance.now();
  const answer = await new Promise<{ type: string; payload: Record<string, unknown> } | undefined>(
    (resolve) => {
      const timer = setTimeout(() => resolve(undefined), CALL_TIMEOUT_MS);
      waiting.set(id, (frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
      caller.send(
        JSON.stringify({
          type: "call.requested",
          id,
          payload: { requestId: id, operation: "bystander.echo", input: { n } },
        }),
      );
    },
  );
  waiting.delete(id);
  const took = performance.now() - started;
  const samples = samplesOf(phase);
  if (answer?.type === "call.responded" && answer.payload.output === n) samples.calls.push(took);
  else samples.callFailures.push(answer ? JSON.stringify(answer).slice(0, 300) : `no answer in ${took} ms`);
}

async function healthOnce(): Promise<void> {
  const phase = current;
  const started = performance.now();
  try {
    const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    await response.arrayBuffer();
    samplesOf(phase).health.push(performance.now() - started);
  } catch (error) {
    const took = performance.now() - started;
    samplesOf(phase).health.push(took);
    samplesOf(phase).healthFailures.push(`${(error as Error).message} after ${Math.round(took)} ms`);
  }
}

await callOnce(0);
process.stdout.write("ready\n");

const callLoop = (async () => {
  for (let n = 1; !stopping; n++) {
    await callOnce(n);
    // A breath between calls: the probe measures latency, it should not take a core of a 2-core box.
    await Bun.sleep(2);
  }
})();

const healthLoop = (async () => {
  while (!stopping) {
    const next = performance.now() + healthEveryMs;
    await healthOnce();
    await Bun.sleep(Math.max(0, next - performance.now()));
  }
})();

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function report(name: string): Record<string, unknown> {
  const samples = samplesOf(name);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    phase: name,
    seconds: round((Date.now() - samples.startedAt) / 1000),
    health: {
      count: samples.health.length,
      maxMs: round(Math.max(0, ...samples.health)),
      p99Ms: round(percentile(samples.health, 99)),
      slowestMs: [...samples.health]
        .sort((a, b) => b - a)
        .slice(0, 5)
        .map(round),
      failures: samples.healthFailures.slice(0, 5),
    },
    calls: {
      count: samples.calls.length,
      p50Ms: round(percentile(samples.calls, 50)),
      p99Ms: round(percentile(samples.calls, 99)),
      maxMs: round(Math.max(0, ...samples.calls)),
      failures: samples.callFailures.length,
      failureSamples: samples.callFailures.slice(0, 3),
    },
  };
}

let input = "";
const decoder = new TextDecoder();
for await (const chunk of Bun.stdin.stream()) {
  input += decoder.decode(chunk, { stream: true });
  const lines = input.split("\n");
  input = lines.pop() ?? "";
  for (const line of lines) {
    const [command, name = ""] = line.trim().split(/\s+/, 2);
    if (command === "phase") {
      current = name;
      samplesOf(name).startedAt = Date.now();
    } else if (command === "report") {
      process.stdout.write(`report ${JSON.stringify(report(name))}\n`);
    } else if (command === "stop") {
      stopping = true;
    }
  }
  if (stopping) break;
}
stopping = true;
await Promise.race([Promise.all([callLoop, healthLoop]), Bun.sleep(CALL_TIMEOUT_MS)]);
caller.close();
await spoke.close().catch(() => {});
process.exit(0);
