/**
 * What a spoke registers for each operation (PROTOCOL.md › Operation spec). Schemas are plain JSON Schema as
 * TypeBox emits it; the hub compiles them and rejects a spec whose schema does not compile.
 */
import { type Static, Type } from "@sinclair/typebox";
import { MAX_NAME_LENGTH, OPERATION_NAME_PATTERN, SEGMENT_PATTERN } from "./names.ts";

/** `query` and `mutation` answer once; `subscription` answers many times then completes. */
export const OperationType = Type.Union([
  Type.Literal("query"),
  Type.Literal("mutation"),
  Type.Literal("subscription"),
]);
export type OperationType = Static<typeof OperationType>;

/** Any JSON object, used for JSON Schemas carried as data. */
export const JsonObject = Type.Object({}, { additionalProperties: true });
export type JsonObject = Record<string, unknown>;

/** Hints for callers and the router; none changes what the hub validates. */
export const OperationAnnotations = Type.Object({
  readOnly: Type.Optional(Type.Boolean()),
  destructive: Type.Optional(Type.Boolean()),
  idempotent: Type.Optional(Type.Boolean()),
  openWorld: Type.Optional(Type.Boolean()),
  /** Typical duration, in milliseconds. */
  expectedDurationMs: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Most calls of this operation the spoke runs at once. */
  maxConcurrency: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type OperationAnnotations = Static<typeof OperationAnnotations>;

/** One operation as registered: its local name, kind, docs and schemas. */
export const OperationSpec = Type.Object({
  /** Local name (`fs.readFile`); published as `<spoke>.<name>`. */
  name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH, pattern: OPERATION_NAME_PATTERN.source }),
  type: OperationType,
  description: Type.String({ maxLength: 4096 }),
  title: Type.Optional(Type.String({ maxLength: 256 })),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
  /** JSON Schema of the input; MCP clients expect `type: "object"` at the root. */
  inputSchema: JsonObject,
  outputSchema: Type.Optional(JsonObject),
  annotations: Type.Optional(OperationAnnotations),
  version: Type.Optional(Type.String({ maxLength: 64 })),
});
export type OperationSpec = Static<typeof OperationSpec>;

/** One spoke name segment, as a schema. */
export const SpokeName = Type.String({ minLength: 1, maxLength: 48, pattern: SEGMENT_PATTERN.source });
