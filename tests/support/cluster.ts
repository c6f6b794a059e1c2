/**
 * Several compiled hubs (`dist/alkhub`) sharing one Postgres database and one Redis, the way a cluster runs in
 * production (ARCHITECTURE.md › Many instances): one encrypted config and master key for all, a database of the
 * cluster's own, and a redis-server of its own so a test can kill or restart Redis. A store opened in the test
 * process mints keys in the shared database.
 */
import { join } from "node:path";
import { silentLogger } from "../../src/log/index.ts";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { type ServingHub, serveBinary, waitForReady } from "./binary.ts";
import { EVENT_WAIT_MS, eventually } from "./eventually.ts";
import { type HubFiles, writeHubFiles } from "./hub-files.ts";
import { startRedisServer, type TestRedisServer } from "./redis-server.ts";
import { createTestDatabase, type TestDatabase } from "./services.ts";
import { type ChildSpoke, spawnSpokeScript } from "./spoke-kit.ts";

/** Heartbeat of cluster tests, in milliseconds: presence lives three of them (1.5 s). */
export const CLUSTER_HEARTBEAT_MS = 500;
/** How long an owner instance has to acknowledge a relayed call, in milliseconds. */
export const CLUSTER_REMOTE_ACK_MS = 1000;
/** How long a started instance has to report `ok` on /health. */
const READY_TIMEOUT_MS = 20_000;

/** One hub process of the cluster. */
export interface ClusterInstance {
  /** "A", "B", "C", … */
  readonly label: string;
  /** Its HTTP base URL. */
  readonly url: string;
  /** Its `/ws` URL. */
  readonly wsUrl: string;
  /** The running process (replaced by `restart`). */
  readonly hub: ServingHub;
  /** Whether the process still runs. */
  readonly running: boolean;
}

/** A running cluster. */
export interface TestCluster {
  readonly instances: ClusterInstance[];
  readonly redis: TestRedisServer;
  readonly database: TestDatabase;
  readonly files: HubFiles;
  /** A store on the shared database, for minting keys (`makeKey({ store }, …)`). */
  readonly store: Store;
  /** The instance labelled `label`. */
  get(label: string): ClusterInstance;
  /** SIGKILLs one instance (as a crash would) and waits for it to exit. */
  kill(label: string): Promise<void>;
  /**
   * Stops one instance with `signal` (SIGTERM drains, as a rolling restart does), waits for it to exit, starts it
   * again on the same port and resolves once it reports ok.
   */
  restart(label: string, signal?: NodeJS.Signals): Promise<void>;
  /** Everything each instance logged, labelled, for failure messages. */
  logs(): string;
  /** Stops every instance still running, Redis, the store, and drops the database. */
  stop(): Promise<void>;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** How many instances; default 3 (A, B, C). */
  size?: number;
  /** More config, merged over the cluster defaults (top-level sections replace theirs). */
  extra?: Record<string, unknown>;
}

class Instance implements ClusterInstance {
  readonly label: string;
  hub: ServingHub;

  constructor(label: string, hub: ServingHub) {
    this.label = label;
    this.hub = hub;
  }

  get url(): string {
    return this.hub.url;
  }

  get wsUrl(): string {
    return `${this.hub.url.replace(/^http/, "ws")}/ws`;
  }

  get running(): boolean {
    return this.hub.proc.exitCode === null && this.hub.proc.signalCode === null;
  }
}

/** Starts `size` compiled hubs on a fresh database and a Redis of their own; resolves once all report ok. */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const size = options.size ?? 3;
  const database = await createTestDatabase();
  const redis = await startRedisServer();
  const files = await writeHubFiles({
    mode: "services",
    database,
    redisUrl: redis.url,
    extra: {
      limits: { heartbeatMs: CLUSTER_HEARTBEAT_MS },
      router: { remoteAckMs: CLUSTER_REMOTE_ACK_MS, defaultTimeoutMs: 20_000 },
      shutdown: { graceMs: 10_000 },
      // ALKHUB_TEST_CLUSTER_LOG=info (or debug) shows more of what the instances did, for a failing run.
      logging: { level: process.env.ALKHUB_TEST_CLUSTER_LOG ?? "warn" },
      ...options.extra,
    },
  });
  const store = await openStore({
    postgres: { url: database.url, maxConnections: 2 },
    // Unused: a postgres section wins; the field is required by the type.
    embedded: { dataDir: files.dir },
    log: silentLogger,
  });
  const instances: Instance[] = [];
  const cleanup = async () => {
    await Promise.all(instances.map((i) => (i.running ? i.hub.stop("SIGKILL") : undefined)));
    await store.close().catch(() => {});
    await redis.stop();
    await files.cleanup();
    await database.drop();
  };
  try {
    // The first one runs the migrations alone: the others then start on a migrated database.
    instances.push(await startInstance("A", files));
    const rest = await Promise.all(
      Array.from({ length: size - 1 }, (_, i) => startInstance(String.fromCharCode(66 + i), files)),
    );
    instances.push(...rest);
  } catch (error) {
    const logs = instances.map((i) => `--- ${i.label}\n${i.hub.log()}`).join("\n");
    await cleanup();
    throw new Error(`the cluster did not start: ${(error as Error).message}\n${logs.slice(-4000)}`);
  }
  const byLabel = (label: string) => {
    const found = instances.find((i) => i.label === label);
    if (!found) throw new Error(`no instance ${label} in this cluster`);
    return found;
  };
  return {
    instances,
    redis,
    database,
    files,
    store,
    get: byLabel,
    async kill(label) {
      const instance = byLabel(label);
      if (instance.running) await instance.hub.stop("SIGKILL");
    },
    async restart(label, signal = "SIGTERM") {
      const instance = byLabel(label);
      const port = Number(new URL(instance.url).port);
      if (instance.running) await instance.hub.stop(signal);
      const hub = await serveBinary(files.configPath, files.keyPath, [], { port });
      await waitForReady(hub, `instance ${label} (restarted)`, READY_TIMEOUT_MS);
      instance.hub = hub;
    },
    logs: () => instances.map((i) => `--- ${i.label}\n${i.hub.log()}`).join("\n"),
    stop: cleanup,
  };
}

async function startInstance(label: string, files: HubFiles): Promise<Instance> {
  const hub = await serveBinary(files.configPath, files.keyPath);
  await waitForReady(hub, `instance ${label}`, READY_TIMEOUT_MS);
  return new Instance(label, hub);
}

/** GET /health of every running instance, as `{ label: body }`. */
export async function clusterHealth(cluster: TestCluster): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const instance of cluster.instances) {
    if (instance.running) out[instance.label] = (await instance.hub.health())?.body;
  }
  return out;
}

/** A `cluster-spoke.ts` child process. */
export type ClusterSpokeChild = ChildSpoke;

/** Starts `cluster-spoke.ts` as spoke `name` on `wsUrl`; resolves once it registered. The key travels in env. */
export function spawnClusterSpoke(wsUrl: string, token: string, name: string): Promise<ClusterSpokeChild> {
  return spawnSpokeScript(join(import.meta.dir, "cluster-spoke.ts"), wsUrl, token, name);
}

/**
 * Waits until every running instance lists `count` operations of spoke `spoke` as live (GET
 * /api/v1/operations?namespace=…): the catalog reaches the other instances through an event and a reload.
 */
export async function waitListedEverywhere(
  cluster: TestCluster,
  key: string,
  spoke: string,
  count: number,
  timeoutMs = EVENT_WAIT_MS,
): Promise<void> {
  for (const instance of cluster.instances) {
    if (!instance.running) continue;
    await eventually(
      async () => {
        const response = await fetch(`${instance.url}/api/v1/operations?namespace=${spoke}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        const body = (await response.json()) as { operations?: Array<{ spoke: { live: boolean } }> };
        return body.operations?.length === count && body.operations.every((op) => op.spoke.live);
      },
      { timeoutMs, what: `${spoke} listed live on ${instance.label}` },
    );
  }
}

/** An SDK spoke with no operations, named `caller<label>`, that calls through instance `label` of `cluster`. */
export function connectClusterCaller(cluster: TestCluster, label: string, token: string): Promise<Spoke> {
  return connectSpoke({ url: cluster.get(label).wsUrl, token, name: `caller${label}`, operations: {} });
}
