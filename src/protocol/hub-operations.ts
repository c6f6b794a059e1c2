/**
 * Inputs and outputs of the hub's own read and call operations (MCP.md › meta-tools). Like `hub.register`,
 * they are invoked with ordinary `call.requested` frames whose `operation` is the name below.
 */
import { type Static, Type } from "@sinclair/typebox";
import { JsonObject, OperationType } from "./operation.ts";

/** `hub.list` input: page through the operations the key may see. */
export const HubListInput = Type.Object({
  /** Only operations whose published name starts with `<namespace>.`. */
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  cursor: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});
export type HubListInput = Static<typeof HubListInput>;

/** One operation in `hub.list` / `hub.search` results. */
export const OperationSummary = Type.Object({
  /** Published name. */
  name: Type.String(),
  type: OperationType,
  title: Type.Optional(Type.String()),
  description: Type.String(),
  tags: Type.Optional(Type.Array(Type.String())),
  spoke: Type.Object({ name: Type.String(), live: Type.Boolean() }),
});
export type OperationSummary = Static<typeof OperationSummary>;

/** `hub.list` output. */
export const HubListOutput = Type.Object({
  operations: Type.Array(OperationSummary),
  nextCursor: Type.Optional(Type.String()),
});
export type HubListOutput = Static<typeof HubListOutput>;

/** `hub.search` input; the output has `hub.list`'s shape, ranked, live spokes first. */
export const HubSearchInput = Type.Object({
  query: Type.String({ minLength: 1, maxLength: 256 }),
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
});
export type HubSearchInput = Static<typeof HubSearchInput>;

/** `hub.schema` input: one published name; the output is its full spec plus `spoke`. */
export const HubSchemaInput = Type.Object({ operation: Type.String({ minLength: 1, maxLength: 128 }) });
export type HubSchemaInput = Static<typeof HubSchemaInput>;

/** `hub.call` input: call an operation by name; the output is that operation's output. */
export const HubCallInput = Type.Object({
  operation: Type.String({ minLength: 1, maxLength: 128 }),
  input: JsonObject,
  /** Per-call timeout, in milliseconds, capped by the hub's `router.maxTimeoutMs`. */
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type HubCallInput = Static<typeof HubCallInput>;
