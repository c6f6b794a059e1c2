/**
 * The admin API without a hub: the store of the config opened by this process, and the hub's own admin routes
 * run in-process over it (so the answers, checks and audit rows are the same as a hub's). Used only when no hub
 * answered. A fresh database is migrated before a write; one with some migrations missing is left to
 * `alkhub migrate`.
 */
import { type ApiDeps, apiRouteTable } from "../admin/index.ts";
import { Revocations } from "../auth/index.ts";
import { createMemoryBus } from "../bus/index.ts";
import { Catalog } from "../catalog/index.ts";
import type { LoadedHubConfig } from "../config/index.ts";
import { KeyRing } from "../crypto/index.ts";
import { UnavailableError } from "../errors.ts";
import { bearerActors, localAdminHandler, mountRoutes, RequestAuthenticator } from "../http/index.ts";
import type { HubParts } from "../hub-parts.ts";
import { AuthFailures } from "../limits/index.ts";
import { silentLogger } from "../log/index.ts";
import { HubError } from "../protocol/index.ts";
import { DataDirInUseError, openStore, type Store } from "../store/index.ts";
import type { AdminRequest, AdminTarget, TargetNeeds } from "./admin-target.ts";
import { explainUnreachableHub } from "./unreachable-hub.ts";

/** Opens the configured store and serves the admin routes over it in this process. */
export async function openStoreTarget(
  loaded: LoadedHubConfig,
  needs: TargetNeeds,
  hints: { socket: string | undefined },
): Promise<AdminTarget> {
  const { config } = loaded;
  let store: Store;
  try {
    store = await openStore({
      postgres: config.postgres,
      embedded: config.embedded,
      log: silentLogger,
      command: "alkhub cli",
    });
  } catch (error) {
    if (error instanceof DataDirInUseError) throw explainUnreachableHub(error, hints.socket);
    throw error;
  }
  const notices: string[] = [];
  try {
    const applied = await ensureMigrated(store, needs.write);
    if (applied > 0) notices.push(`migrated the new database first (${applied} migrations applied)`);
  } catch (error) {
    await store.close();
    throw error;
  }
  let catalog: Catalog | undefined;
  try {
    catalog = needs.catalog ? await startReadOnlyCatalog(store, loaded) : undefined;
  } catch (error) {
    await store.close();
    throw error;
  }
  const handle = localAdminHandler(storeRoutes(store, loaded, catalog), silentLogger);
  const where =
    store.kind === "embedded" ? `the embedded data dir ${config.embedded.dataDir}` : "the Postgres database";
  return {
    kind: "store",
    description: `${where} (no hub answered)`,
    notices,
    async request(request: AdminRequest) {
      const url = new URL(`http://alkhub.local/api/v1${request.path}`);
      for (const [name, value] of Object.entries(request.query ?? {})) {
        if (value !== undefined) url.searchParams.set(name, value);
      }
      const response = await handle(
        new Request(url, {
          method: request.method,
          headers: request.body === undefined ? {} : { "content-type": "application/json" },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
        }),
      );
      const text = await response.text();
      return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
    },
    async close() {
      try {
        await catalog?.stop();
      } finally {
        await store.close();
      }
    },
  };
}

/**
 * The spokes as the store holds them (what `spokes list|show` read without a hub): a catalog loaded once, that
 * subscribes to nothing another process sends and writes nothing (no takeover of rows, no pruning).
 */
async function startReadOnlyCatalog(store: Store, loaded: LoadedHubConfig): Promise<Catalog> {
  const catalog = new Catalog({
    store,
    bus: createMemoryBus({ log: silentLogger }),
    log: silentLogger,
    instanceId: "alkhub-cli",
    validation: loaded.config.validation,
    pruneOfflineAfterMs: 0,
  });
  await catalog.start();
  return catalog;
}

/**
 * Applies every migration to a database that has none yet (before a write: returns how many); refuses a database
 * that lacks only some (an older or newer binary's) or, for a read, has none, naming `alkhub migrate`.
 */
async function ensureMigrated(store: Store, write: boolean): Promise<number> {
  const states = await store.migrationStatus();
  const pending = states.filter((s) => !s.applied);
  if (pending.length === 0) return 0;
  if (pending.length === states.length) {
    if (write) return (await store.migrate()).applied;
    throw new UnavailableError(
      "the database has no alkhub tables yet: run 'alkhub migrate' (or start the hub, which migrates at start)",
    );
  }
  throw new UnavailableError(
    `the database lacks ${pending.length} of this alkhub's migrations (${pending.map((s) => s.tag).join(", ")}): ` +
      "run 'alkhub migrate' first (every hub on this database should run this version)",
  );
}

/**
 * The hub's API route table bound to `store`, mounted as a hub mounts it. Nothing here is shared with a running
 * hub: revocations reach hubs on Postgres through NOTIFY at commit, and an embedded store has no hub beside this
 * process. Routes that need live parts (the gateway, presence) answer 503 naming what is missing.
 */
function storeRoutes(store: Store, loaded: LoadedHubConfig, catalog: Catalog | undefined) {
  const { config } = loaded;
  const auth = new RequestAuthenticator({
    keys: () => {
      throw new Error("in-process admin requests are never checked against a key");
    },
    failures: new AuthFailures(config.limits.authFailures, async () => {}, silentLogger),
    trustProxy: false,
  });
  const bus = createMemoryBus({ log: silentLogger });
  const revocations = new Revocations();
  const keyRing = config.encryptionKeys === undefined ? undefined : KeyRing.parse(config.encryptionKeys);
  const deps: ApiDeps = {
    store: () => store,
    bus: () => bus,
    revocations: () => revocations,
    log: () => silentLogger,
    keyRing: () => keyRing,
    parts: () => offlineParts(catalog),
    instanceId: "alkhub-cli",
  };
  return [
    mountRoutes(apiRouteTable(deps), {
      name: "api-routes",
      prefix: "/api/v1",
      authenticate: bearerActors(auth),
      body: { maxBytes: config.limits.maxBodyBytes, maxDepth: config.limits.maxJsonDepth },
      log: () => silentLogger,
    }),
  ];
}

/**
 * The hub parts a process without a hub has: the stored catalog (when loaded) and a gateway holding no
 * connection. Any other part is a 503 saying a running hub is needed.
 */
function offlineParts(catalog: Catalog | undefined): HubParts {
  const present: Record<string, unknown> = {
    gateway: { session: () => undefined },
    ...(catalog ? { catalog } : {}),
  };
  return new Proxy(present, {
    get(target, name) {
      if (typeof name === "string" && name in target) return target[name];
      throw new HubError(
        "UNAVAILABLE",
        "this needs a running hub (no hub answered, and the store alone cannot do it)",
      );
    },
  }) as unknown as HubParts;
}
