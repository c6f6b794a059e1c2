/** The schemas of the live-operations routes (spokes, calls, audit logs, instances, stats, events). */
import { Type } from "@sinclair/typebox";
import { listQuery, strictObject } from "./list.ts";

const Timestamp = (description?: string) => Type.String({ format: "date-time", description });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** A spoke name in a path. */
export const SpokeNameParams = strictObject({
  name: Type.String({ minLength: 1, maxLength: 128, description: "Spoke name." }),
});

export const SpokeListQuery = listQuery({
  status: Type.Optional(
    Type.Union([Type.Literal("online"), Type.Literal("offline"), Type.Literal("all")], {
      description: "Default all.",
    }),
  ),
});

/** One spoke as operators see it. */
export const SpokeView = Type.Object(
  {
    name: Type.String(),
    account: Type.String({ description: "Id of the owning account." }),
    status: Type.Union([Type.Literal("online"), Type.Literal("offline")]),
    instanceId: Nullable(Type.String({ description: "Instance holding (or that last held) the spoke." })),
    kind: Nullable(Type.String()),
    version: Nullable(Type.String()),
    hostInfo: Type.Record(Type.String(), Type.Unknown()),
    connectedAt: Nullable(Timestamp()),
    disconnectedAt: Nullable(Timestamp()),
    lastHeartbeatAt: Nullable(
      Timestamp("Last sign of life: live on the holding instance, else as last written (≤ 30 s old)."),
    ),
    heartbeatAgeMs: Nullable(Type.Number({ description: "Online spokes only." })),
    operations: Type.Integer({ description: "Operations of the spoke the key may see." }),
    inFlight: Nullable(Type.Integer({ description: "Calls in flight; known on the holding instance only." })),
    disabled: Type.Boolean({ description: "An operator disabled the name: registrations are refused." }),
  },
  { $id: "SpokeView" },
);

export const SpokeDetail = Type.Composite([
  Type.Omit(SpokeView, []),
  Type.Object({
    operationList: Type.Array(
      Type.Object({
        name: Type.String(),
        type: Type.String(),
        title: Nullable(Type.String()),
        description: Type.String(),
      }),
    ),
  }),
]);

export const DisconnectResult = Type.Object({
  name: Type.String(),
  disconnected: Type.Boolean({ description: "False when the spoke was not connected anywhere." }),
  instanceId: Nullable(Type.String({ description: "The instance that held the connection." })),
});

const Outcome = Type.Union([
  Type.Literal("ok"),
  Type.Literal("error"),
  Type.Literal("aborted"),
  Type.Literal("timeout"),
]);

const Text = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 200, description }));
const Since = Type.Optional(Timestamp("From this time on (inclusive)."));
const Until = Type.Optional(Timestamp("Before this time."));

export const CallListQuery = listQuery({
  operation: Text("Published operation name."),
  spoke: Text("Spoke name."),
  key: Text("Caller's key id."),
  outcome: Type.Optional(Outcome),
  since: Since,
  until: Until,
});

/** One finished call. */
export const CallItem = Type.Object(
  {
    id: Type.String({ description: "Row id; in a live `call` event, the request id (no row exists yet)." }),
    requestId: Type.String(),
    operation: Type.String(),
    spoke: Nullable(Type.String()),
    callerKeyId: Nullable(Type.String()),
    outcome: Outcome,
    errorCode: Nullable(Type.String()),
    startedAt: Timestamp(),
    finishedAt: Nullable(Timestamp()),
    durationMs: Nullable(Type.Number()),
    inputBytes: Nullable(Type.Integer()),
    outputBytes: Nullable(Type.Integer()),
    instanceId: Nullable(Type.String({ description: "The instance that relayed the call." })),
  },
  { $id: "CallItem" },
);

export const AuditLogListQuery = listQuery({
  actor: Text("Acting key id (rows of the local admin socket have none; their address is local-socket)."),
  action: Text("Action (`key.create`), or a family ending in a dot (`key.`)."),
  target: Text("What the action was on (key id, spoke name, …)."),
  outcome: Text("Outcome (`ok`, or a reason)."),
  since: Since,
  until: Until,
});

export const AuditLogItem = Type.Object(
  {
    id: Type.String(),
    at: Timestamp(),
    actorKeyId: Nullable(Type.String()),
    action: Type.String(),
    target: Nullable(Type.String()),
    outcome: Type.String(),
    address: Nullable(Type.String()),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: "AuditLogItem" },
);

export const InstanceList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      version: Type.String(),
      startedAt: Timestamp(),
      uptimeSeconds: Type.Integer(),
      spokes: Type.Integer({ description: "Registered spokes connected to the instance." }),
      mcpSessions: Type.Integer(),
      self: Type.Boolean({ description: "The instance that answered." }),
    }),
  ),
});

export const StatsView = Type.Object({
  bucketSeconds: Type.Literal(10),
  instances: Type.Integer({ description: "Instances whose calls are counted (cluster-wide)." }),
  buckets: Type.Array(
    Type.Object({
      at: Timestamp("Start of the bucket."),
      calls: Type.Integer(),
      errors: Type.Integer({ description: "Calls that ended with outcome error or timeout." }),
    }),
    { description: "Oldest first; the last bucket is the current, partial one." },
  ),
});

export const EventsQuery = strictObject({
  types: Type.Optional(
    Type.String({
      pattern: "^(catalog|call)(,(catalog|call))*$",
      description: "Comma-separated: catalog, call (default both).",
    }),
  ),
});

/** The data of an event: a `catalog` change or a `call` item. */
export const EventData = Type.Union([
  Type.Object({
    kind: Type.Union([
      Type.Literal("spoke.online"),
      Type.Literal("spoke.offline"),
      Type.Literal("operations.changed"),
    ]),
    spoke: Type.String(),
    instanceId: Nullable(Type.String()),
    at: Timestamp(),
  }),
  CallItem,
]);
