import { type Static, type TObject, type TProperties, Type } from "@sinclair/typebox";

/*
 * The schema describes the *resolved* config: every member that has a default is required here, and the loader
 * fills defaults in (Value.Default) before checking, so a file may omit any of them. Every object is closed
 * (additionalProperties: false), so a misspelt key is an error with its JSON path instead of being ignored.
 */

const closed = <T extends TProperties>(properties: T, options: { default?: object } = {}): TObject<T> =>
  Type.Object(properties, { additionalProperties: false, ...options });
/** A section that may be left out of the file entirely; its members' defaults then apply. */
const section = <T extends TProperties>(properties: T): TObject<T> => closed(properties, { default: {} });

const port = (fallback: number) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback });
const positive = (fallback: number) => Type.Integer({ minimum: 1, default: fallback });
const nonEmpty = () => Type.String({ minLength: 1 });

/** Default pool size for a Postgres connection. */
export const DEFAULT_POSTGRES_MAX_CONNECTIONS = 10;

const ServerSchema = section({
  host: Type.String({ minLength: 1, default: "0.0.0.0" }),
  port: port(3000),
  /** The URL clients reach the hub at, when it differs from host:port (behind a proxy). */
  publicUrl: Type.Optional(nonEmpty()),
  trustProxy: Type.Boolean({ default: false }),
  allowedOrigins: Type.Array(nonEmpty(), { default: [] }),
  allowedHosts: Type.Array(nonEmpty(), { default: [] }),
});

const PostgresSchema = Type.Union([
  closed({ url: nonEmpty(), maxConnections: positive(DEFAULT_POSTGRES_MAX_CONNECTIONS) }),
  closed({
    host: nonEmpty(),
    port: port(5432),
    user: nonEmpty(),
    password: Type.Optional(Type.String()),
    database: nonEmpty(),
    ssl: Type.Optional(Type.Boolean()),
    maxConnections: positive(DEFAULT_POSTGRES_MAX_CONNECTIONS),
  }),
]);

const RedisSchema = Type.Union([
  closed({ url: nonEmpty() }),
  closed({
    host: nonEmpty(),
    port: port(6379),
    username: Type.Optional(nonEmpty()),
    password: Type.Optional(Type.String()),
    db: Type.Integer({ minimum: 0, default: 0 }),
    tls: Type.Boolean({ default: false }),
  }),
]);

const LoggingSchema = section({
  level: Type.Union(
    [Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")],
    {
      default: "info",
    },
  ),
  format: Type.Union([Type.Literal("json"), Type.Literal("pretty")], { default: "json" }),
});

const LimitsSchema = section({
  maxFrameBytes: positive(1_048_576),
  maxOperationsPerSpoke: positive(1000),
  maxSchemaBytes: positive(65_536),
  maxInFlightPerConnection: positive(1024),
  badFramesPerMinute: positive(20),
  backpressureBytes: positive(1_048_576),
  heartbeatMs: positive(10_000),
  /** Deepest nesting of arrays/objects in a frame or body; deeper text is refused before it is parsed. */
  maxJsonDepth: positive(256),
  /** Largest HTTP request body on any route (/mcp, /api/v1, …), counted as it streams in. */
  maxBodyBytes: positive(1_048_576),
  /** What one key may cost (docs/security.md); cluster-wide when Redis is configured. */
  perKey: section({
    /** Off: no per-key limit at all (benchmarks, trusted single-tenant hubs). */
    enabled: Type.Boolean({ default: true }),
    /** Token bucket: calls a key may start per second, sustained… */
    callsPerSecond: positive(1000),
    /** …and in a burst. */
    callBurst: positive(2000),
    /** Calls of one key in flight at once, over every surface. */
    maxInFlight: positive(512),
    /** MCP sessions one key may hold. */
    maxMcpSessions: positive(64),
    /** /ws connections one key may hold. */
    maxConnections: positive(64),
  }),
  /** Failed authentications (a wrong or unknown key) allowed before further attempts get 429. */
  authFailures: section({
    /** Per client address (the proxy's X-Forwarded-For with `server.trustProxy`), per minute. */
    perAddressPerMinute: positive(30),
    /** Per presented key id, per minute (guessing the secret of a real key). */
    perKeyIdPerMinute: positive(10),
  }),
});

/**
 * Bounds of schema validation (issue #10, docs/configuration.md › validation): caps on the values checked and on
 * the work one check or one schema may cost. See src/catalog/value-bounds.ts and schema-cost.ts.
 */
const ValidationSchema = section({
  /** Deepest nesting checked where a schema looks that deep (recursive schemas, uniqueItems). */
  maxDepth: Type.Integer({ minimum: 1, maximum: 1000, default: 64 }),
  maxArrayItems: positive(100_000),
  /** Longest string checked, in UTF-16 code units. */
  maxStringLength: positive(1_048_576),
  maxProperties: positive(10_000),
  /** Most work (steps) one check of one value may do; a value that would cost more is refused. */
  maxWorkPerCheck: positive(1_000_000),
  /** Most work one value node may cost under a schema; a schema that could cost more is refused. */
  maxWorkPerValue: positive(10_000),
});

/**
 * `hub.register` metering (issue #10 item 2, docs/configuration.md › registration): rates per connection and
 * per key, the schema budget per spoke and per key, and how long an offline spoke is kept.
 */
const RegistrationSchema = section({
  perConnectionPerMinute: positive(10),
  perKeyPerMinute: positive(60),
  /** Distinct schema JSON one spoke may register, in bytes. */
  maxSchemaBytesPerSpoke: positive(1_048_576),
  /** Distinct schema JSON the live spokes of one key may hold on one instance, in bytes. */
  maxSchemaBytesPerKey: positive(4_194_304),
  /** An offline spoke (and its operations) is deleted after this long, in ms; 0 keeps them forever. */
  pruneOfflineAfterMs: Type.Integer({ minimum: 0, default: 604_800_000 }),
});

/** Event-loop health (docs/configuration.md › health): the lag probe, the degraded rule, slow handlers. */
const HealthSchema = section({
  eventLoop: section({
    intervalMs: positive(50),
    windowMs: positive(10_000),
    degradedMs: positive(2000),
    slowHandlerMs: positive(50),
  }),
});

const RouterSchema = section({
  defaultTimeoutMs: positive(60_000),
  maxTimeoutMs: positive(3_600_000),
  remoteAckMs: positive(2000),
  validateOutput: Type.Boolean({ default: false }),
});

const McpSchema = section({
  /** How long an unused MCP session is kept, in ms. */
  sessionIdleMs: positive(1_800_000),
  /**
   * Close a running tool call's event stream after this many ms when the client can resume it (SEP-1699
   * polling; the client reconnects with Last-Event-ID). 0 (default) keeps the stream open for the whole call.
   */
  ssePollMs: Type.Integer({ minimum: 0, default: 0 }),
  /**
   * Callers without a key on /mcp (off by default): when enabled, they act with these scopes and operation
   * globs. Meant for local tools and test suites that cannot send a header, never for a hub on a network.
   */
  anonymous: section({
    enabled: Type.Boolean({ default: false }),
    scopes: Type.Array(Type.Union([Type.Literal("read"), Type.Literal("call")]), { default: [] }),
    operations: Type.Array(nonEmpty(), { default: ["*"] }),
  }),
});

const AuthSchema = section({
  /** How long a verified key is reused without reading the database, in ms (at most 30 s, SECURITY.md). */
  keyCacheTtlMs: Type.Integer({ minimum: 0, maximum: 30_000, default: 30_000 }),
  /**
   * How long after its last verification a key is still accepted while the database cannot be read, in ms
   * (revocations heard on the bus still apply). 0 turns the stale cache off.
   */
  keyCacheStaleMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 300_000 }),
});

const AuditSchema = section({
  enabled: Type.Boolean({ default: true }),
  retentionDays: positive(7),
  batchSize: positive(5000),
  flushIntervalMs: positive(1000),
  queueLimit: positive(100_000),
  /** Bytes of encoded audit rows kept while Postgres is away or lags (64 MiB). */
  spillMaxBytes: positive(67_108_864),
});

/**
 * Traces exported over OTLP/HTTP (docs/observability.md). Absent (the default): no tracer, no span, nothing
 * exported. Header values may be encrypted (`enc:v1:`) like any value, and are never logged.
 */
const OtlpSchema = closed({
  /**
   * Where spans are POSTed (OTLP/HTTP, JSON): the collector's traces URL, e.g.
   * `http://collector:4318/v1/traces`; a URL with no path gets `/v1/traces`.
   */
  endpoint: Type.String({ pattern: "^https?://[^\\s]+$" }),
  /** Headers of each export request (an API token, say). */
  headers: Type.Record(Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" }), Type.String(), {
    default: {},
  }),
  /** Share of new traces recorded (0–1); a call that continues a caller's trace follows its sampled flag. */
  samplingRatio: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
  /** `service.name` of the hub's spans. */
  serviceName: Type.String({ minLength: 1, maxLength: 128, default: "alkhub" }),
  /** Longest wait before finished spans are exported in a batch, in ms. */
  exportDelayMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 5000 }),
  /** Time limit of one export request, in ms. */
  exportTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  /** Finished spans held for export at most; more are dropped (counted by the SDK, never blocking a call). */
  maxQueueSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 2048 }),
});

/** A header an upstream gets, filled from a client secret at dial time. */
const UpstreamHeaderSchema = closed({
  /** The secret's name (of the upstream's client). */
  secret: Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._-]+$" }),
  /** Text before the secret's value, e.g. `"Bearer "`. */
  prefix: Type.Optional(Type.String({ maxLength: 64 })),
});

/** A Streamable HTTP MCP server the hub dials and offers as the spoke `name` (docs/upstreams.md). */
export const UpstreamSchema = closed({
  /** The spoke name its tools are published under. */
  name: Type.String({ minLength: 1, maxLength: 48, pattern: "^[A-Za-z][A-Za-z0-9_-]{0,47}$" }),
  url: Type.String({ pattern: "^https?://" }),
  /** The account that owns the spoke and the client secrets. Default `admin`. */
  account: Type.String({ minLength: 1, maxLength: 128, default: "admin" }),
  /** The client whose secrets fill the headers. Default: the upstream's name. */
  client: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._-]+$" })),
  /** Header name → the client secret it carries. */
  headers: Type.Record(Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" }), UpstreamHeaderSchema, {
    default: {},
  }),
  visibility: Type.Union([Type.Literal("public"), Type.Literal("owner")], { default: "public" }),
  /** How often the hub pings the server to notice it went away without a call, in ms. */
  pingIntervalMs: Type.Integer({ minimum: 100, default: 15_000 }),
});

/**
 * The local admin socket (docs/configuration.md › Admin socket): a Unix socket, only the hub's user can open it,
 * serving the admin API without a key. Absent → `admin.sock` in `embedded.dataDir` with the embedded store, no
 * socket with Postgres (set a path to have one); `false` → no socket. The
 * loader resolves it against the config file's directory, so after loading it is an absolute path or `false`.
 */
const AdminSchema = section({
  socket: Type.Optional(Type.Union([nonEmpty(), Type.Literal(false)])),
});

/** The whole config file (CONFIG.md › Shape), as it is checked after decryption and defaults. */
export const HubConfigSchema = closed({
  /** Lets editors find a JSON Schema; ignored by the hub. */
  $schema: Type.Optional(Type.String()),
  server: ServerSchema,
  /** Absent → the embedded store (PGlite) in `embedded.dataDir`. */
  postgres: Type.Optional(PostgresSchema),
  embedded: section({ dataDir: Type.String({ minLength: 1, default: "./data" }) }),
  /** Absent → the in-process bus, single instance. */
  redis: Type.Optional(RedisSchema),
  /** Data keys, `"v2:<base64 32 bytes>,v1:<base64 32 bytes>"`, first = current (checked with `KeyRing.parse`). */
  encryptionKeys: Type.Optional(nonEmpty()),
  logging: LoggingSchema,
  development: Type.Boolean({ default: false }),
  limits: LimitsSchema,
  validation: ValidationSchema,
  registration: RegistrationSchema,
  health: HealthSchema,
  router: RouterSchema,
  startup: section({ connectTimeoutMs: positive(30_000) }),
  shutdown: section({ graceMs: positive(20_000) }),
  metrics: section({ requireKey: Type.Boolean({ default: false }) }),
  mcp: McpSchema,
  auth: AuthSchema,
  audit: AuditSchema,
  admin: AdminSchema,
  /** MCP servers the hub dials and offers as spokes. */
  upstreams: Type.Array(UpstreamSchema, { default: [] }),
  /** Traces: off unless `otlp` is set. */
  telemetry: section({ otlp: Type.Optional(OtlpSchema) }),
});

/**
 * The resolved config: defaults applied, encrypted values decrypted, `embedded.dataDir` absolute. Holds secrets
 * (passwords, data keys): never log it whole.
 */
export type HubConfig = Static<typeof HubConfigSchema>;
/** The `postgres` section: a URL or discrete connection fields. */
export type PostgresConfig = Static<typeof PostgresSchema>;
/** The `redis` section: a URL or discrete connection fields. */
export type RedisConfig = Static<typeof RedisSchema>;
/** The `validation` section: caps and work budgets of schema checks. */
export type ValidationConfig = HubConfig["validation"];
/** `telemetry.otlp`: where and how traces are exported (holds header secrets: never log it). */
export type OtlpConfig = Static<typeof OtlpSchema>;
/** One entry of `upstreams`. */
export type UpstreamConfig = Static<typeof UpstreamSchema>;
/** The `limits` section (PROTOCOL.md › Limits), bytes and counts. */
export type LimitsConfig = HubConfig["limits"];
