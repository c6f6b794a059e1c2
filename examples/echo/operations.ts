/**
 * The echo spoke's operations: small, dependency-free demonstrations of each operation type (query, mutation,
 * subscription), of progress, cancellation and domain errors. Reusable by tests and other spokes.
 */

import { defineOperation, HubError } from "@alkdev/hub/spoke";
import { Type } from "@sinclair/typebox";
import { abortableDelay } from "./abortable.ts";

/** Longest `sleep`, in milliseconds (10 minutes). */
export const MAX_SLEEP_MS = 600_000;
/** How often `sleep` reports progress, in milliseconds. */
export const SLEEP_PROGRESS_INTERVAL_MS = 100;
/** Largest `count`. */
export const MAX_COUNT = 1_000_000;
/** Longest pause between two `count` items, in milliseconds. */
export const MAX_COUNT_DELAY_MS = 60_000;
/** The domain code `fail` throws when the caller gives none. */
export const DEFAULT_FAIL_CODE = "DEMO_FAILURE";
/** Items `count` yields back to back before letting other work run (when `delayMs` is 0). */
const COUNT_YIELD_EVERY = 100;
/** A domain code: upper snake case, at most 64 characters (PROTOCOL.md › Error codes). */
const DOMAIN_CODE = "^[A-Z][A-Z0-9_]*$";

/** `echo` (query): returns `{ text }` unchanged. */
export const echoOperation = defineOperation({
  type: "query",
  title: "Echo text",
  description:
    "Returns the given text unchanged, as { text }. Use it to check that the echo spoke is reachable and " +
    "that calls round-trip through the hub; it has no other effect.",
  tags: ["demo"],
  annotations: { readOnly: true, idempotent: true, openWorld: false },
  input: Type.Object({ text: Type.String({ description: "Any text; it comes back as is." }) }),
  output: Type.Object({ text: Type.String() }),
  handler: ({ text }) => ({ text }),
});

/** `add` (query): `{ a, b }` → `{ sum: a + b }`; a sum beyond the float range fails with `SUM_OVERFLOW`. */
export const addOperation = defineOperation({
  type: "query",
  title: "Add two numbers",
  description:
    "Adds two numbers and returns { sum }. Use it as a simple typed call with a numeric result; it has no " +
    "side effects. Fails with SUM_OVERFLOW when the sum is too large to represent.",
  tags: ["demo"],
  annotations: { readOnly: true, idempotent: true, openWorld: false },
  input: Type.Object({
    a: Type.Number({ description: "First addend." }),
    b: Type.Number({ description: "Second addend." }),
  }),
  output: Type.Object({ sum: Type.Number() }),
  handler: ({ a, b }) => {
    const sum = a + b;
    // JSON has no Infinity: it would travel as null and break the output schema.
    if (!Number.isFinite(sum)) throw new HubError("SUM_OVERFLOW", "the sum is too large to represent");
    return { sum };
  },
});

/**
 * `sleep` (mutation): waits `ms` milliseconds, reporting progress (in milliseconds, total `ms`) every
 * `SLEEP_PROGRESS_INTERVAL_MS`; rejects with an `AbortError` as soon as the call is aborted.
 */
export const sleepOperation = defineOperation({
  type: "mutation",
  title: "Sleep",
  description:
    `Waits the given number of milliseconds (at most ${MAX_SLEEP_MS}), then returns { sleptMs }. Reports ` +
    `progress every ${SLEEP_PROGRESS_INTERVAL_MS} ms and stops at once when the call is cancelled or times ` +
    "out. Use it to try out long-running calls, progress, timeouts and cancellation; it changes nothing.",
  tags: ["demo"],
  annotations: { readOnly: true, idempotent: true, openWorld: false },
  input: Type.Object({
    ms: Type.Integer({
      minimum: 0,
      maximum: MAX_SLEEP_MS,
      description: "How long to wait, in milliseconds.",
    }),
  }),
  output: Type.Object({ sleptMs: Type.Integer() }),
  handler: async ({ ms }, ctx) => {
    await abortableDelay(ms, ctx.signal, {
      everyMs: SLEEP_PROGRESS_INTERVAL_MS,
      onTick: (elapsedMs) => ctx.progress(elapsedMs, ms, "sleeping"),
    });
    ctx.progress(ms, ms, "done");
    return { sleptMs: ms };
  },
});

/** `count` (subscription): yields `{ n }` for n = 1..`to`, pausing `delayMs` between items; stops on abort. */
export const countOperation = defineOperation({
  type: "subscription",
  title: "Count",
  description:
    `Streams { n } for n = 1, 2, … up to \`to\` (at most ${MAX_COUNT}), waiting \`delayMs\` milliseconds ` +
    "between items (default 0). Use it to try out subscriptions (streamed results) and stopping a stream " +
    "early; it changes nothing.",
  tags: ["demo"],
  annotations: { readOnly: true, idempotent: true, openWorld: false },
  input: Type.Object({
    to: Type.Integer({ minimum: 0, maximum: MAX_COUNT, description: "The last number to yield." }),
    delayMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_COUNT_DELAY_MS,
        description: "Pause before each item after the first, in milliseconds. Default 0.",
      }),
    ),
  }),
  output: Type.Object({ n: Type.Integer() }),
  handler: async function* ({ to, delayMs = 0 }, ctx) {
    for (let n = 1; n <= to; n++) {
      if (ctx.signal.aborted) return;
      if (n > 1 && delayMs > 0) {
        try {
          await abortableDelay(delayMs, ctx.signal);
        } catch {
          return;
        }
      } else if (n % COUNT_YIELD_EVERY === 0) {
        // Without a macrotask turn the socket's call.aborted could not be read until the loop ends.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (ctx.signal.aborted) return;
      }
      yield { n };
    }
  },
});

/** `fail` (query): always throws a `HubError` with the given domain code (default `DEMO_FAILURE`). */
export const failOperation = defineOperation({
  type: "query",
  title: "Fail on purpose",
  description:
    `Always fails, with the given error code (default ${DEFAULT_FAIL_CODE}) and message. Use it to see how ` +
    "errors from a spoke reach the caller; it has no side effects and never succeeds.",
  tags: ["demo"],
  annotations: { readOnly: true, idempotent: true, openWorld: false },
  input: Type.Object({
    code: Type.Optional(
      Type.String({
        pattern: DOMAIN_CODE,
        maxLength: 64,
        description: `An upper-snake-case error code such as MY_ERROR. Default ${DEFAULT_FAIL_CODE}.`,
      }),
    ),
    message: Type.Optional(Type.String({ maxLength: 1000, description: "The error message to send back." })),
  }),
  handler: ({ code = DEFAULT_FAIL_CODE, message }) => {
    // The hub validates input first; this guard keeps a direct call from producing a frame the hub would refuse.
    if (code.length > 64 || !new RegExp(DOMAIN_CODE).test(code)) {
      throw new HubError("VALIDATION_ERROR", `input.code must match ${DOMAIN_CODE} (at most 64 characters)`);
    }
    throw new HubError(code, message ?? `failed on purpose (${code})`);
  },
});

/** Every echo operation by local name, ready for `connectSpoke({ operations })`. */
export const echoOperations = {
  echo: echoOperation,
  add: addOperation,
  sleep: sleepOperation,
  count: countOperation,
  fail: failOperation,
};
