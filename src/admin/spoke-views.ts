/**
 * Spokes as the admin API shows them (`GET /api/v1/spokes[/{name}]`): the catalog's entry, live facts from
 * the local session when this instance holds the spoke (calls in flight, last sign of life), and otherwise the
 * last heartbeat the holding instance wrote to the store (at most `DEFAULT_HEARTBEAT_FLUSH_MS` old).
 */
import { inArray } from "drizzle-orm";
import type { Identity } from "../auth/index.ts";
import type { Catalog, CatalogSpoke } from "../catalog/index.ts";
import type { SpokeSession } from "../spokes/index.ts";
import { type Store, spokes } from "../store/index.ts";

/** One spoke for operators. Times are ISO 8601. */
export interface SpokeView {
  name: string;
  /** The owning account's id. */
  account: string;
  status: "online" | "offline";
  instanceId: string | null;
  kind: string | null;
  version: string | null;
  hostInfo: Record<string, unknown>;
  connectedAt: string | null;
  disconnectedAt: string | null;
  lastHeartbeatAt: string | null;
  /** Milliseconds since `lastHeartbeatAt` (online spokes only). */
  heartbeatAgeMs: number | null;
  /** Operations of the spoke the viewer may see. */
  operations: number;
  /** Calls in flight to it; known only on the instance holding it. */
  inFlight: number | null;
  disabled: boolean;
}

/** One operation in `GET /spokes/{name}`. */
export interface SpokeOperationView {
  name: string;
  type: string;
  title: string | null;
  description: string;
}

/** What the views read besides the catalog. */
export interface SpokeViewSources {
  catalog: Catalog;
  /** The local session holding a spoke name, if this instance holds it. */
  session(name: string): SpokeSession | undefined;
  store: Store;
}

/**
 * One page of the spokes `viewer` may see (admins: every spoke the catalog holds, offline ones included),
 * sorted by name, filtered by `status`, starting after name `after`: up to `limit` views. Heartbeats of spokes
 * held elsewhere come from one store query for the page; if the store does not answer they are shown as
 * unknown rather than failing the list.
 */
export async function listSpokeViews(
  sources: SpokeViewSources,
  viewer: Identity,
  options: { status: "online" | "offline" | "all"; after?: string; limit: number },
): Promise<SpokeView[]> {
  const { catalog } = sources;
  const { status, after, limit } = options;
  const listed = catalog
    .spokes(viewer)
    .filter((item) => status === "all" || (status === "online") === item.live)
    .filter((item) => after === undefined || item.name > after)
    .slice(0, limit);
  const entries = listed.flatMap((item) => {
    const spoke = catalog.spoke(item.name);
    return spoke ? [{ spoke, operations: item.operations }] : [];
  });
  const remote = entries.filter(({ spoke }) => spoke.live && !sources.session(spoke.name));
  const heartbeats = await storedHeartbeats(
    sources.store,
    remote.map(({ spoke }) => spoke.name),
  );
  const now = Date.now();
  return entries.map(({ spoke, operations }) =>
    spokeView(spoke, operations, sources.session(spoke.name), heartbeats.get(spoke.name) ?? null, now),
  );
}

/** The spoke `name` with its visible operations, or undefined when the viewer may not see it (or it is unknown). */
export async function spokeDetail(
  sources: SpokeViewSources,
  viewer: Identity,
  name: string,
): Promise<(SpokeView & { operationList: SpokeOperationView[] }) | undefined> {
  const { catalog } = sources;
  const spoke = catalog.spoke(name);
  if (!spoke || !catalog.spokeFor(viewer, name)) return undefined;
  const operationList: SpokeOperationView[] = [];
  for (const op of spoke.operations.values()) {
    if (!catalog.canSeeOperation(viewer, op)) continue;
    operationList.push({
      name: op.name,
      type: op.spec.type,
      title: op.spec.title ?? null,
      description: op.spec.description,
    });
  }
  const session = sources.session(name);
  const heartbeats = spoke.live && !session ? await storedHeartbeats(sources.store, [name]) : new Map();
  return {
    ...spokeView(spoke, operationList.length, session, heartbeats.get(name) ?? null, Date.now()),
    operationList,
  };
}

/** The view of one catalog entry. `stored` is the heartbeat the store holds (used when no session is local). */
export function spokeView(
  spoke: CatalogSpoke,
  operations: number,
  session: SpokeSession | undefined,
  stored: Date | null,
  now: number,
): SpokeView {
  const lastSeen = session ? new Date(session.lastSeenAt) : stored;
  return {
    name: spoke.name,
    account: spoke.accountId,
    status: spoke.live ? "online" : "offline",
    instanceId: spoke.instanceId ?? null,
    kind: spoke.kind ?? null,
    version: spoke.version ?? null,
    hostInfo: spoke.hostInfo ?? {},
    connectedAt: spoke.connectedAt?.toISOString() ?? null,
    disconnectedAt: spoke.disconnectedAt?.toISOString() ?? null,
    lastHeartbeatAt: lastSeen?.toISOString() ?? null,
    heartbeatAgeMs: spoke.live && lastSeen ? Math.max(0, now - lastSeen.getTime()) : null,
    operations,
    inFlight: session ? session.inFlight : null,
    disabled: spoke.disabledAt !== undefined,
  };
}

/** `last_heartbeat_at` of the named spokes; empty when there are none or the store does not answer. */
async function storedHeartbeats(store: Store, names: string[]): Promise<Map<string, Date>> {
  if (names.length === 0) return new Map();
  try {
    const rows = await store.db
      .select({ name: spokes.name, at: spokes.lastHeartbeatAt })
      .from(spokes)
      .where(inArray(spokes.name, names));
    return new Map(rows.flatMap((row) => (row.at ? [[row.name, row.at] as const] : [])));
  } catch {
    return new Map();
  }
}
