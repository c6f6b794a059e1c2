/**
 * `hub.register`: the call that turns a connection into a spoke (PROTOCOL.md › Handshake). It is sent as an
 * ordinary `call.requested` with `operation: "hub.register"` and answered with `call.responded` (output below)
 * or `call.error` (`NAME_TAKEN`, `ACCESS_DENIED`, `VALIDATION_ERROR`, …). Registering again on the same
 * connection replaces the whole operation set atomically.
 */
import { type Static, Type } from "@sinclair/typebox";
import { MAX_NAME_LENGTH, validateOperationName, validateSpokeName } from "./names.ts";
import { OperationSpec, SpokeName } from "./operation.ts";
import { compileChecker, type SchemaChecker } from "./schema-check.ts";

/** Who may see and call a spoke: everyone the key rules allow, or only keys of the owning account. */
export const Visibility = Type.Union([Type.Literal("public"), Type.Literal("owner")]);
export type Visibility = Static<typeof Visibility>;

/** Input of `hub.register`. */
export const HubRegisterInput = Type.Object({
  name: SpokeName,
  /** Free-form kind: `dev-env`, `client`, `compute`, … */
  kind: Type.Optional(Type.String({ maxLength: 64 })),
  version: Type.Optional(Type.String({ maxLength: 64 })),
  hostInfo: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  operations: Type.Array(OperationSpec),
  /** Most calls the spoke runs at once; the hub sends no more (callers get `SPOKE_BUSY`). */
  maxConcurrency: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Take the name over from another live connection of the same key (that one is closed with 4409). */
  takeover: Type.Optional(Type.Boolean()),
  /** Default `public`. */
  visibility: Type.Optional(Visibility),
});
export type HubRegisterInput = Static<typeof HubRegisterInput>;

/** Limits the hub applies to this connection (PROTOCOL.md › Limits). */
export const SpokeLimits = Type.Object({
  /** Largest text frame, in bytes (UTF-8). */
  maxFrameBytes: Type.Integer({ minimum: 1 }),
  maxOperations: Type.Integer({ minimum: 0 }),
  /** Largest input or output schema, in bytes of JSON. */
  maxSchemaBytes: Type.Integer({ minimum: 1 }),
  /** Most calls in flight on the connection, in either direction. */
  maxInFlightCalls: Type.Integer({ minimum: 1 }),
});
export type SpokeLimits = Static<typeof SpokeLimits>;

/** The protocol's default limits. */
export const DEFAULT_SPOKE_LIMITS: SpokeLimits = {
  maxFrameBytes: 1024 * 1024,
  maxOperations: 1000,
  maxSchemaBytes: 64 * 1024,
  maxInFlightCalls: 1024,
};

/** Default interval of the hub's WebSocket pings, in milliseconds. */
export const DEFAULT_HEARTBEAT_MS = 10_000;

/** Output of `hub.register`. */
export const HubRegisterOutput = Type.Object({
  spokeId: Type.String({ minLength: 1 }),
  name: SpokeName,
  /** Interval of the hub's WebSocket pings, in milliseconds. */
  heartbeatMs: Type.Integer({ minimum: 1 }),
  limits: SpokeLimits,
});
export type HubRegisterOutput = Static<typeof HubRegisterOutput>;

// Pure, lazily filled caches: compiling at import time would be a side effect.
let inputChecker: SchemaChecker<typeof HubRegisterInput> | undefined;
let outputChecker: SchemaChecker<typeof HubRegisterOutput> | undefined;

/** The compiled checker of `hub.register` input (compiled on first use, then shared). */
export function registerInputChecker(): SchemaChecker<typeof HubRegisterInput> {
  inputChecker ??= compileChecker(HubRegisterInput);
  return inputChecker;
}

/** The compiled checker of `hub.register` output (compiled on first use, then shared). */
export function registerOutputChecker(): SchemaChecker<typeof HubRegisterOutput> {
  outputChecker ??= compileChecker(HubRegisterOutput);
  return outputChecker;
}

/**
 * Checks a `hub.register` input completely: the schema, the spoke name (not `hub`), every operation name,
 * duplicates, published-name length, operation count and schema sizes. Returns the first problem found.
 */
export function checkRegisterInput(
  value: unknown,
  limits: SpokeLimits = DEFAULT_SPOKE_LIMITS,
): { ok: true; value: HubRegisterInput } | { ok: false; error: string } {
  const problem = registerInputChecker().explain(value, "input");
  if (problem !== undefined) return { ok: false, error: problem };
  const input = value as HubRegisterInput;
  const spoke = validateSpokeName(input.name);
  if (!spoke.ok) return spoke;
  if (input.operations.length > limits.maxOperations) {
    return {
      ok: false,
      error: `input.operations has ${input.operations.length} entries; at most ${limits.maxOperations} allowed`,
    };
  }
  const seen = new Set<string>();
  for (const [index, operation] of input.operations.entries()) {
    const where = `input.operations[${index}]`;
    const name = validateOperationName(operation.name);
    if (!name.ok) return { ok: false, error: `${where}: ${name.error}` };
    if (seen.has(operation.name)) return { ok: false, error: `${where}: duplicate name "${operation.name}"` };
    seen.add(operation.name);
    const published = input.name.length + 1 + operation.name.length;
    if (published > MAX_NAME_LENGTH) {
      return { ok: false, error: `${where}: published name is ${published} characters; at most 128 allowed` };
    }
    for (const key of ["inputSchema", "outputSchema"] as const) {
      const bytes = operation[key] === undefined ? 0 : utf8Length(JSON.stringify(operation[key]));
      if (bytes > limits.maxSchemaBytes) {
        return {
          ok: false,
          error: `${where}.${key} is ${bytes} bytes; at most ${limits.maxSchemaBytes} allowed`,
        };
      }
    }
  }
  return { ok: true, value: input };
}

/** Length of `text` in UTF-8 bytes. */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
