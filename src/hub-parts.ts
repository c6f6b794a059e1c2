/**
 * The parts built on top of the store and the bus (the `init-subsystems` step), made in dependency order so each
 * receives finished parts: catalog and call audit; the spoke links (local directory, remote links); the router;
 * the calls facade (`HubOperations`); the /ws gateway; the cluster node; the MCP endpoint. `services` lists
 * them as the supervisor starts them (and mirrors on shutdown).
 */

import { CallAudit } from "./audit/index.ts";
import { type KeyVerifier, keysChangedSince, type Revocations } from "./auth/index.ts";
import type { Bus } from "./bus/index.ts";
import { Catalog, type SchemaCompiler } from "./catalog/index.ts";
import {
  ClusterNode,
  ClusterSpokeLinks,
  ForwardedCalls,
  InstanceLiveness,
  InstanceRoster,
  RemoteLinks,
  SpokeControl,
  takeoverSender,
} from "./cluster/index.ts";
import type { HubConfig } from "./config/index.ts";
import type { KeyRing } from "./crypto/index.ts";
import { LiveEvents } from "./events/index.ts";
import { type HandlerTimer, type MetricsRegistry, UNTIMED } from "./health/index.ts";
import type { Service } from "./lifecycle/index.ts";
import { type KeyLimits, LimitShare } from "./limits/index.ts";
import type { Logger } from "./log/index.ts";
import { McpEndpoint } from "./mcp/index.ts";
import type { Presence } from "./presence/index.ts";
import { type Calls, HubOperations, Router } from "./router/index.ts";
import { getClientSecret } from "./secrets/index.ts";
import { RegistrationMeter, SpokeDirectory, SpokeGateway } from "./spokes/index.ts";
import type { Store } from "./store/index.ts";
import { startTracing } from "./telemetry/index.ts";
import { ensureAccountId, Upstreams } from "./upstreams/index.ts";
import { BUILD_INFO } from "./version.ts";

/** The hub's parts above the store and the bus. */
export interface HubParts {
  catalog: Catalog;
  audit: CallAudit;
  router: Router;
  /** Where every surface sends calls: `hub.*` answered here, the rest relayed by the router. */
  calls: Calls;
  gateway: SpokeGateway;
  mcp: McpEndpoint;
  cluster: ClusterNode;
  /** The MCP servers the hub dials (config `upstreams`; the admin API adds and removes). */
  upstreams: Upstreams;
  /** Operators' actions on spoke names (disconnect, disable, enable), cluster-wide. */
  spokeControl: SpokeControl;
  /** The cluster's instances as operators see them, and the cluster-wide call stats. */
  roster: InstanceRoster;
  /** `GET /api/v1/events` streams. */
  events: LiveEvents;
  /** In start order; the supervisor drains and stops them in reverse. */
  services: Service[];
}

export function buildHubParts(opts: {
  config: HubConfig;
  store: Store;
  bus: Bus;
  presence: Presence;
  metrics: MetricsRegistry;
  log: Logger;
  instanceId: string;
  keys: KeyVerifier;
  /** Where revocations are heard; its listeners end the key's connections, sessions and calls here. */
  revocations: Revocations;
  /** Per-key limits, shared with the HTTP routes. */
  limits: KeyLimits;
  /** Secret for MCP session ids, the same on every instance. */
  mcpSessionSecret: Uint8Array;
  /** Records how long handlers held the event loop (the hub's `LoopMonitor`). */
  timer?: HandlerTimer;
  /** The data keys (`encryptionKeys`); without them upstream headers from client secrets cannot be opened. */
  keyRing?: KeyRing;
  /** The catalog's schema compiler, warmed already (see `Catalog`); default one the catalog makes. */
  schemas?: SchemaCompiler;
}): HubParts {
  const { config, store, bus, presence, metrics, log, instanceId, keys, revocations, limits } = opts;
  const timer = opts.timer ?? UNTIMED;
  // Tracing only when configured: otherwise no tracer exists and the relay makes no span (docs/observability.md).
  const otlp = config.telemetry.otlp;
  const tracing =
    otlp === undefined ? undefined : startTracing(otlp, instanceId, log.child({ part: "telemetry" }));
  const catalog = new Catalog({
    store,
    bus,
    log: log.child({ part: "catalog" }),
    instanceId,
    validation: config.validation,
    compiler: opts.schemas,
    timer,
    pruneOfflineAfterMs: config.registration.pruneOfflineAfterMs,
  });
  const audit = new CallAudit({
    store,
    log: log.child({ part: "audit" }),
    metrics,
    instanceId,
    ...config.audit,
  });
  const clusterLog = log.child({ part: "cluster" });
  const directory = new SpokeDirectory();
  const liveness = new InstanceLiveness(bus, config.router.remoteAckMs);
  const remoteLinks = new RemoteLinks(bus, liveness, clusterLog);
  const router = new Router({
    catalog,
    links: new ClusterSpokeLinks(instanceId, directory, remoteLinks),
    audit,
    metrics,
    log: log.child({ part: "router" }),
    settings: config.router,
    limits,
    tracer: tracing?.tracer,
  });
  const calls = new HubOperations({ catalog, router, limits });
  const spokesLog = log.child({ part: "spokes" });
  const forwarded = new ForwardedCalls(bus, directory, config.router.remoteAckMs, tracing?.tracer);
  const gateway = new SpokeGateway(
    {
      calls,
      router,
      catalog,
      directory,
      forwarded,
      presence,
      takeOverRemote: takeoverSender(bus, clusterLog),
      instanceId,
      heartbeatMs: config.limits.heartbeatMs,
      spokeLimits: {
        maxFrameBytes: config.limits.maxFrameBytes,
        maxOperations: config.limits.maxOperationsPerSpoke,
        maxSchemaBytes: config.limits.maxSchemaBytes,
        maxInFlightCalls: config.limits.maxInFlightPerConnection,
      },
      sessionLimits: config.limits,
      registrations: new RegistrationMeter(config.registration),
      timer,
      limits,
      log: spokesLog,
    },
    { metrics, graceMs: config.shutdown.graceMs },
  );
  const cluster = new ClusterNode({
    bus,
    presence,
    catalog,
    log: clusterLog,
    heartbeatMs: config.limits.heartbeatMs,
    liveness,
    remoteLinks,
    router,
    gateway,
    forwarded,
  });
  const mcp = new McpEndpoint({
    calls,
    catalog,
    bus,
    store,
    log: log.child({ part: "mcp" }),
    sessionSecret: opts.mcpSessionSecret,
    sessionIdleMs: config.mcp.sessionIdleMs,
    limits,
    ssePollMs: config.mcp.ssePollMs,
    instanceId,
  });
  // A revoked key loses everything it holds here at once: cached identity, admissions, /ws connections (4401),
  // MCP sessions and streams, and calls in flight on every surface.
  revocations.onRevoked((keyId) => {
    keys.evict(keyId);
    limits.revoke(keyId);
    gateway.revokeKey(keyId);
    router.abortKey(keyId, "API key revoked");
    void mcp.revokeKey(keyId);
  });
  // A key enabled again (or whose expiry moved) is read afresh: no cached identity, no refused admissions.
  revocations.onRestored((keyId) => {
    keys.evict(keyId);
    limits.restore(keyId);
  });
  const authLog = log.child({ part: "auth" });
  const upstreams = new Upstreams(
    {
      gateway,
      presence,
      instanceId,
      openSecret: (address) => {
        if (!opts.keyRing) throw new Error('client secrets are disabled: the config has no "encryptionKeys"');
        return getClientSecret(store, opts.keyRing, address);
      },
      accountId: (name) => ensureAccountId(store, name),
      log: log.child({ part: "upstreams" }),
      standbyPollMs: config.limits.heartbeatMs,
      // An HTTP dial is cheap: retry within seconds, not the SDK's 30 s ceiling.
      reconnect: { initialDelayMs: 250, maxDelayMs: 5000 },
    },
    config.upstreams,
  );
  metrics.gauge("alkhub_mcp_sessions", "MCP sessions held by this instance.", () => [[{}, mcp.sessionCount]]);
  const spokeControl = new SpokeControl({ bus, presence, catalog, gateway });
  const startedAt = Date.now();
  const roster = new InstanceRoster({
    bus,
    log: clusterLog,
    self: () => ({
      id: instanceId,
      version: BUILD_INFO.version,
      startedAt,
      spokes: directory.size,
      mcpSessions: mcp.sessionCount,
      stats: router.stats.series(Date.now()),
    }),
  });
  const events = new LiveEvents({ catalog, audit, instanceId, log: log.child({ part: "events" }) });
  return {
    catalog,
    audit,
    router,
    calls,
    gateway,
    mcp,
    cluster,
    upstreams,
    spokeControl,
    roster,
    events,
    services: [
      // First to start, last to stop: the spans of calls that end while the others drain are still exported.
      ...(tracing === undefined
        ? []
        : [{ name: "telemetry", stop: () => tracing.stop(), stopTimeoutMs: otlp?.exportTimeoutMs }]),
      {
        name: "catalog",
        start: () => catalog.start({ soleInstance: bus.kind === "memory" }),
        stop: () => catalog.stop(),
      },
      cluster,
      {
        name: "revocations",
        start: () => revocations.start(bus, store, authLog, (since) => keysChangedSince(store, since)),
        stop: () => revocations.stop(),
      },
      new LimitShare(limits, bus, log.child({ part: "limits" })),
      { name: "call-audit", start: () => audit.start(), stop: () => audit.stop() },
      gateway,
      roster,
      // Event streams end first on shutdown: they hold HTTP responses open.
      { name: "event-streams", drain: async () => events.closeAll() },
      // MCP sessions end in the drain pass, beside the /ws connections.
      { name: "mcp", start: () => mcp.start(), drain: () => mcp.stop() },
      // Last to start, first to drain: upstreams leave (freeing their names for another instance) before the
      // gateway drains the rest.
      { name: "upstreams", start: () => upstreams.start(), drain: () => upstreams.stop() },
    ],
  };
}
