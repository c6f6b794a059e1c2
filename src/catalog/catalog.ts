/**
 * The cluster-wide view of spokes and their operations (ARCHITECTURE.md › Modules, Many instances). Postgres
 * (or PGlite) holds the truth; every instance keeps an in-memory index and reloads a spoke when another
 * instance announces `catalog.changed` on the bus.
 */
import type { Identity } from "../auth/index.ts";
import type { Bus, Unsubscribe } from "../bus/index.ts";
import { withDeadline } from "../deadline.ts";
import { type HandlerTimer, UNTIMED } from "../health/index.ts";
import type { Logger } from "../log/index.ts";
import { HubError, type HubListInput, type HubListOutput, type HubSearchInput } from "../protocol/index.ts";
import { type AuditActor, isStoreUnavailable, type Store, storeErrorReason } from "../store/index.ts";
import { buildOperations, spokeFromRow } from "./build.ts";
import { CatalogIndex } from "./catalog-index.ts";
import { CATALOG_CHANNEL, encodeCatalogChanged, parseCatalogChanged } from "./events.ts";
import { HeartbeatBatcher } from "./heartbeats.ts";
import { listOperations, listSpokes } from "./listing.ts";
import { OfflineWrites } from "./offline-writes.ts";
import { OperationSet } from "./operation-set.ts";
import {
  deleteOfflineSince,
  loadAllSpokes,
  loadSpoke,
  loadSpokeRow,
  saveAllOffline,
  saveDisabled,
  saveOffline,
} from "./persistence.ts";
import { RegistrationWriter } from "./registration-writer.ts";
import { SchemaCompiler } from "./schema-compiler.ts";
import { searchOperations } from "./search.ts";
import { SharedSpecs } from "./shared-specs.ts";
import type {
  CatalogOperation,
  CatalogSpoke,
  OperationSchemaView,
  SpokeListItem,
  SpokeRegistration,
} from "./types.ts";
import type { ValueLimits } from "./value-bounds.ts";
import { canCallOperation, canSeeOperation, canSeeSpoke } from "./visibility.ts";

/** How often heartbeats noted with `touch` are written, in milliseconds (one batched UPDATE). */
export const DEFAULT_HEARTBEAT_FLUSH_MS = 30_000;
/**
 * How long one catalog read or offline write may take, in milliseconds: a blackholed database must not hold a
 * spoke's queue (its next registration waits behind it) for longer.
 */
export const CATALOG_STORE_TIMEOUT_MS = 5000;

/** What a `Catalog` needs. */
export interface CatalogOptions {
  store: Store;
  bus: Bus;
  log: Logger;
  /** This hub instance's id (the bus's). */
  instanceId: string;
  /** Default `DEFAULT_HEARTBEAT_FLUSH_MS`. */
  heartbeatFlushMs?: number;
  /** Most compiled validators kept; default `DEFAULT_SCHEMA_CACHE_MAX_ENTRIES` (10,000). */
  schemaCacheMaxEntries?: number;
  /**
   * The schema compiler to use, made (and warmed) by the caller — the hub makes it before its listener opens,
   * since warming holds the event loop for ~0.1 s. Default: one made here from the options above.
   */
  compiler?: SchemaCompiler;
  /** Caps and work budgets of every check (the `validation` config section); defaults when absent. */
  validation?: ValueLimits & { maxWorkPerValue: number };
  /** Records how long schema compilation held the event loop. */
  timer?: HandlerTimer;
  /** Spokes offline longer than this are deleted with their operations, in ms; 0 or absent keeps them. */
  pruneOfflineAfterMs?: number;
}

/** The spokes and operations of the whole cluster, as this instance sees them. */
export class Catalog {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #instanceId: string;
  readonly #index = new CatalogIndex();
  readonly #compiler: SchemaCompiler;
  readonly #specs: SharedSpecs;
  readonly #timer: HandlerTimer;
  readonly #heartbeats: HeartbeatBatcher;
  readonly #registrations: RegistrationWriter;
  readonly #offlineWrites: OfflineWrites;
  readonly #listeners = new Set<(spokeName: string) => void>();
  /** Per spoke name, the tail of its queue: writes and reloads of one spoke never interleave. */
  readonly #queues = new Map<string, Promise<void>>();
  #unsubscribe: Unsubscribe | undefined;
  readonly #pruneOfflineAfterMs: number;
  #pruneTimer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: CatalogOptions) {
    this.#store = opts.store;
    this.#bus = opts.bus;
    this.#instanceId = opts.instanceId;
    this.#log = opts.log.child({ component: "catalog" });
    this.#timer = opts.timer ?? UNTIMED;
    this.#pruneOfflineAfterMs = opts.pruneOfflineAfterMs ?? 0;
    this.#compiler =
      opts.compiler ??
      new SchemaCompiler({
        log: this.#log,
        maxEntries: opts.schemaCacheMaxEntries,
        limits: opts.validation,
        maxWorkPerValue: opts.validation?.maxWorkPerValue,
      });
    this.#specs = new SharedSpecs(opts.schemaCacheMaxEntries);
    this.#registrations = new RegistrationWriter(opts.store.db, this.#log);
    this.#offlineWrites = new OfflineWrites({
      write: (name, connectionId, at) => this.#saveOffline(name, connectionId, at),
      written: (name) => this.#emit(name, true, false),
      log: this.#log,
    });
    this.#heartbeats = new HeartbeatBatcher({
      store: opts.store,
      log: this.#log,
      instanceId: opts.instanceId,
      intervalMs: opts.heartbeatFlushMs ?? DEFAULT_HEARTBEAT_FLUSH_MS,
    });
  }

  /**
   * Subscribes to `catalog.changed`, then loads every stored spoke, all offline (a spoke is live only while a
   * connection holds it; a change event from its instance makes it live here). Starts the heartbeat writer.
   * `soleInstance` (single-instance mode): rows still marked online are left over from a crash; reset them.
   */
  async start(options: { soleInstance?: boolean } = {}): Promise<void> {
    if (this.#unsubscribe) return;
    if (options.soleInstance) {
      const stale = await saveAllOffline(this.#store.db, new Date());
      if (stale > 0) this.#log.info("marked spokes left online by an earlier run offline", { spokes: stale });
    }
    this.#unsubscribe = await this.#bus.subscribe(CATALOG_CHANNEL, (message) => this.#onBusMessage(message));
    for (const stored of await loadAllSpokes(this.#store.db)) {
      // A change event that arrived during the load is newer than what the load read.
      if (this.#index.spoke(stored.row.name)) continue;
      const operations = await this.#rebuild(stored.row.name, stored.specs);
      // A sole instance holds no connection yet; in a cluster, rows online are held by other instances (the
      // presence check corrects any whose instance died).
      this.#index.put(
        spokeFromRow(stored.row, operations, !options.soleInstance && stored.row.status === "online"),
      );
    }
    this.#heartbeats.start();
    if (this.#pruneOfflineAfterMs > 0) {
      // A tenth of the retention, between a second and an hour: a pruned spoke outlives its time by ≤ 10 %.
      const every = Math.min(3_600_000, Math.max(1000, Math.floor(this.#pruneOfflineAfterMs / 10)));
      this.#pruneTimer = setInterval(() => {
        this.pruneOffline().catch((error: unknown) => {
          this.#log.warn("pruning offline spokes failed", { error: storeErrorReason(error) });
        });
      }, every);
    }
    this.#log.info("catalog loaded", {
      spokes: [...this.#index.spokes()].length,
      operations: this.#index.operationCount,
    });
  }

  /** Unsubscribes, waits for queued writes and reloads, and writes pending heartbeats. Idempotent. */
  async stop(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    clearInterval(this.#pruneTimer);
    this.#pruneTimer = undefined;
    await unsubscribe?.();
    await this.#offlineWrites.flush();
    this.#offlineWrites.stop();
    await Promise.all(this.#queues.values());
    await this.#heartbeats.stop();
  }

  /**
   * Records a spoke connection's registration. Every schema is compiled first (a failure throws `HubError`
   * `VALIDATION_ERROR` naming the operation, and nothing changes); then the spoke row is upserted and its
   * operation set replaced in one transaction, the index entry swapped, and one change emitted. While the store
   * is unreachable it throws the retryable `HubError` `UNAVAILABLE` (within `REGISTRATION_WRITE_TIMEOUT_MS`)
   * and nothing changes: the spoke tries again (the SDK's reconnect loop does).
   */
  async register(
    reg: SpokeRegistration,
    built?: ReadonlyMap<string, CatalogOperation>,
  ): Promise<CatalogSpoke> {
    const operations = built ?? (await this.#build(reg.name, reg.operations));
    return this.#serial(reg.name, async () => {
      // A spoke reconnecting with the operation set it had (the common case after a restart) rewrites only its
      // own row: no delete and re-insert of identical operation rows.
      const unchanged = sameOperations(this.#index.spoke(reg.name), reg.operations);
      let row: Awaited<ReturnType<RegistrationWriter["save"]>>;
      try {
        row = await this.#registrations.save(reg, unchanged);
      } catch (error) {
        if (!isStoreUnavailable(error)) throw error;
        throw new HubError(
          "UNAVAILABLE",
          "spokes cannot be registered while the store is unreachable; retry",
          {
            cause: error,
            details: { retryAfterMs: 1000 },
          },
        );
      }
      // This registration's row supersedes an offline mark still waiting for the database.
      this.#offlineWrites.forget(reg.name);
      // Unchanged operations: keep the map the index holds, so nothing downstream sees a new operation set.
      const kept = unchanged ? this.#index.spoke(reg.name)?.operations : undefined;
      const spoke = spokeFromRow(row, kept ?? operations, true, reg);
      this.#index.put(spoke);
      this.#emit(reg.name, true, !unchanged);
      return spoke;
    });
  }

  /**
   * Compiles the schemas of `operations` as `register` would, storing nothing: throws `HubError`
   * `VALIDATION_ERROR` naming the operation. Returns the operations built, which `register` takes for the same
   * name and specs instead of building them again.
   */
  checkOperations(
    spokeName: string,
    operations: SpokeRegistration["operations"],
  ): Promise<ReadonlyMap<string, CatalogOperation>> {
    return this.#build(spokeName, operations);
  }

  #build(spokeName: string, specs: SpokeRegistration["operations"]): Promise<OperationSet> {
    return buildOperations(spokeName, specs, this.#compiler, this.#timer, this.#specs);
  }

  /**
   * Marks spoke `name` offline if `connectionId` still holds it (else does nothing); emits one change. While the
   * store is unreachable the index shows it offline at once and the row is written when the store is back.
   */
  async markOffline(name: string, connectionId: string): Promise<void> {
    await this.#serial(name, async () => {
      const current = this.#index.spoke(name);
      if (!current?.live || current.connectionId !== connectionId) return;
      const at = new Date();
      let row: Awaited<ReturnType<typeof saveOffline>>;
      try {
        row = await this.#saveOffline(name, connectionId, at);
      } catch (error) {
        if (!isStoreUnavailable(error)) throw error;
        // The connection is gone whatever the table says: this instance stops routing to it now.
        this.#heartbeats.forget(name);
        this.#index.put({ ...current, live: false, disconnectedAt: at });
        this.#offlineWrites.add(name, connectionId, at);
        this.#log.warn("spoke offline not written (store unreachable); retrying", { spoke: name });
        this.#emit(name, false);
        return;
      }
      this.#heartbeats.forget(name);
      // No row: another instance took the name meanwhile; its change event brings the index up to date.
      if (!row) return;
      this.#index.put(spokeFromRow(row, current.operations, false));
      this.#emit(name, true, false);
    });
  }

  /**
   * Deletes the spokes offline for longer than `registration.pruneOfflineAfterMs` (with their operations) and
   * tells every instance. Returns how many went.
   */
  async pruneOffline(now = Date.now()): Promise<number> {
    const pruned = await deleteOfflineSince(this.#store.db, new Date(now - this.#pruneOfflineAfterMs));
    for (const name of pruned) {
      await this.#serial(name, async () => {
        // Registered again meanwhile: that registration wrote a new row, and the index shows it.
        if (this.#index.spoke(name)?.live) return;
        this.#index.remove(name);
        this.#emit(name, true);
      });
    }
    if (pruned.length > 0) this.#log.info("pruned offline spokes", { spokes: pruned.length });
    return pruned.length;
  }

  /**
   * Disables or enables spoke name `name` (`spokes.disabled_at`, audited with `actor`) and tells every instance (a change event: each
   * re-reads the row; their gateways close a live connection of a disabled name). Returns the spoke as now
   * indexed, or `undefined` when no spoke of that name is stored.
   */
  async setDisabled(
    name: string,
    disabled: boolean,
    actor: AuditActor = {},
  ): Promise<CatalogSpoke | undefined> {
    return this.#serial(name, async () => {
      const row = await saveDisabled(this.#store.db, name, disabled, new Date(), actor);
      if (!row) return undefined;
      const held = this.#index.spoke(name);
      const spoke = held
        ? spokeFromRow(row, held.operations, held.live)
        : spokeFromRow(
            row,
            await this.#rebuild(name, (await loadSpoke(this.#store.db, name))?.specs ?? []),
            false,
          );
      this.#index.put(spoke);
      this.#emit(name, true, false);
      return spoke;
    });
  }

  /** Notes a heartbeat of spoke `name` (held here); written in the next batch, not now. */
  touch(name: string): void {
    const spoke = this.#index.spoke(name);
    if (spoke?.live && spoke.instanceId === this.#instanceId) this.#heartbeats.note(name);
  }

  /** The operation published as `published` (`dev1.fs.readFile`). One Map lookup: safe on the call hot path. */
  operation(published: string): CatalogOperation | undefined {
    return this.#index.operation(published);
  }

  /** The spoke named `name`, live or not. */
  spoke(name: string): CatalogSpoke | undefined {
    return this.#index.spoke(name);
  }

  /** Admin: every spoke. `owner` spokes: keys of the same account. Otherwise `read` or `call` is needed. */
  canSee(viewer: Identity, spoke: CatalogSpoke): boolean {
    return canSeeSpoke(viewer, spoke);
  }

  /** Whether `op` appears in `viewer`'s listings: its spoke is visible and the key's `operations` globs match. */
  canSeeOperation(viewer: Identity, op: CatalogOperation): boolean {
    return canSeeOperation(viewer, this.#index.spoke(op.spokeName), op);
  }

  /** `canSee` + scope `call` + the key's `operations` globs match the published name (admins always may). */
  canCall(viewer: Identity, op: CatalogOperation): boolean {
    return canCallOperation(viewer, this.#index.spoke(op.spokeName), op);
  }

  /** `hub.list`: one page of what `viewer` may see, sorted by name. Throws `VALIDATION_ERROR` on a bad cursor. */
  list(viewer: Identity, input: HubListInput): HubListOutput {
    return listOperations(this.#index, viewer, input);
  }

  /** `hub.search`: ranked matches `viewer` may see, live spokes first; limit default 20, at most 50. */
  search(viewer: Identity, input: HubSearchInput): HubListOutput {
    return searchOperations(this.#index, viewer, input, (op) => this.#index.document(op));
  }

  /** `hub.schema`: the full spec under its published name, or `undefined` if absent or not visible. */
  schema(viewer: Identity, published: string): OperationSchemaView | undefined {
    const op = this.#index.operation(published);
    if (!op) return undefined;
    const spoke = this.#index.spoke(op.spokeName);
    if (!canSeeOperation(viewer, spoke, op)) return undefined;
    return { ...op.spec, name: op.name, spoke: { name: op.spokeName, live: spoke?.live ?? false } };
  }

  /** `hub.spokes`' row of spoke `name` for `viewer`, or undefined when it is unknown or hidden from the viewer. */
  spokeFor(viewer: Identity, name: string): SpokeListItem | undefined {
    const spoke = this.#index.spoke(name);
    return spoke ? listSpokes([spoke], viewer)[0] : undefined;
  }

  /** Every spoke in the index, live or not, in no particular order (operators see them all). */
  allSpokes(): IterableIterator<CatalogSpoke> {
    return this.#index.spokes();
  }

  /** `hub.spokes`: the spokes `viewer` may see, sorted by name. */
  spokes(viewer: Identity): SpokeListItem[] {
    return listSpokes(this.#index.spokes(), viewer);
  }

  /** Calls `listener` after each change of a spoke (here or, via the bus, elsewhere). Returns its remover. */
  onChange(listener: (spokeName: string) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Operations in the index (a `/metrics` gauge). */
  get operationCount(): number {
    return this.#index.operationCount;
  }

  /** Spokes currently live (a `/metrics` gauge). */
  get liveSpokeCount(): number {
    return this.#index.liveSpokeCount;
  }

  #saveOffline(name: string, connectionId: string, at: Date) {
    return withDeadline(
      saveOffline(this.#store.db, name, this.#instanceId, connectionId, at),
      CATALOG_STORE_TIMEOUT_MS,
      "the spoke offline write",
    );
  }

  #onBusMessage(message: string): void {
    const event = parseCatalogChanged(message);
    if (!event) {
      this.#log.warn("ignored a malformed catalog event", { length: message.length });
      return;
    }
    if (event.instanceId === this.#instanceId) return;
    const operations = event.operations !== false;
    this.#serial(event.spoke, () => this.#reload(event.spoke, operations)).catch((error: unknown) => {
      // A store outage is reported by /health already: one line per failed reload, without the statement.
      const log = isStoreUnavailable(error) ? this.#log.warn : this.#log.error;
      log.call(this.#log, "catalog reload failed", { spoke: event.spoke, error: storeErrorReason(error) });
    });
  }

  /**
   * Re-reads spoke `name` from the store (live when its row is online) and tells local listeners. When its
   * operations did not change and the index holds them, only the row is read: nothing is rebuilt.
   */
  async #reload(name: string, operationsChanged: boolean): Promise<void> {
    const held = this.#index.spoke(name);
    if (!operationsChanged && held) {
      const row = await this.#bounded(loadSpokeRow(this.#store.db, name), "spoke row read");
      if (!row) this.#index.remove(name);
      else this.#index.put(spokeFromRow(row, held.operations, row.status === "online"));
      this.#emit(name, false);
      return;
    }
    const stored = await this.#bounded(loadSpoke(this.#store.db, name), "spoke read");
    if (!stored) {
      this.#index.remove(name);
    } else {
      const live = stored.row.status === "online";
      const operations = await this.#rebuild(name, stored.specs);
      this.#index.put(spokeFromRow(stored.row, operations, live));
    }
    this.#emit(name, false);
  }

  /** Operations of a stored spoke; one whose schema no longer compiles is left out and logged. */
  async #rebuild(
    spokeName: string,
    specs: SpokeRegistration["operations"],
  ): Promise<ReadonlyMap<string, CatalogOperation>> {
    try {
      return await this.#build(spokeName, specs);
    } catch {
      const kept: CatalogOperation[] = [];
      const names = new Set<string>();
      for (const spec of specs) {
        try {
          const [op] = (await this.#build(spokeName, [spec])).values();
          if (op && !names.has(op.localName)) {
            names.add(op.localName);
            kept.push(op);
          }
        } catch (error) {
          this.#log.warn("stored operation skipped", {
            spoke: spokeName,
            operation: spec.name,
            error: String(error),
          });
        }
      }
      return new OperationSet(kept);
    }
  }

  /** Tells the other instances to re-read spoke `name` (after their view of it may have lapsed). */
  announce(name: string): void {
    this.#bus.publish(CATALOG_CHANNEL, encodeCatalogChanged(name, this.#instanceId)).catch((error) => {
      this.#log.warn("catalog change not announced", { spoke: name, error: String(error) });
    });
  }

  /**
   * The spokes this catalog shows as live on another instance, with the connection it believes holds each (for
   * the presence check).
   */
  liveRemoteSpokes(): Array<{ name: string; instanceId: string; connectionId: string }> {
    const out: Array<{ name: string; instanceId: string; connectionId: string }> = [];
    for (const spoke of this.#index.spokes()) {
      if (!spoke.live || !spoke.instanceId || !spoke.connectionId || spoke.instanceId === this.#instanceId)
        continue;
      out.push({ name: spoke.name, instanceId: spoke.instanceId, connectionId: spoke.connectionId });
    }
    return out;
  }

  /**
   * Presence says spoke `name` is no longer held by the connection this catalog knows: re-read it from the
   * store, and show it offline unless the store names a holder presence confirms (`holderConnectionId`).
   */
  async presenceChanged(name: string, holderConnectionId: string | undefined): Promise<void> {
    await this.#serial(name, async () => {
      const stored = await this.#bounded(loadSpoke(this.#store.db, name), "spoke read");
      if (!stored) {
        this.#index.remove(name);
      } else {
        const row = spokeFromRow(stored.row, await this.#rebuild(name, stored.specs), false);
        const live =
          holderConnectionId !== undefined &&
          row.connectionId === holderConnectionId &&
          stored.row.status === "online";
        this.#index.put(live ? { ...row, live } : row);
      }
      this.#emit(name, false);
    });
  }

  /** `query` within `CATALOG_STORE_TIMEOUT_MS`, so a silent database never holds a spoke's queue. */
  #bounded<T>(query: PromiseLike<T>, what: string): Promise<T> {
    return withDeadline(query, CATALOG_STORE_TIMEOUT_MS, `the catalog's ${what}`);
  }

  #emit(spokeName: string, announce: boolean, operationsChanged = true): void {
    for (const listener of this.#listeners) {
      try {
        listener(spokeName);
      } catch (error) {
        this.#log.error("catalog change listener failed", { spoke: spokeName, error: String(error) });
      }
    }
    if (!announce) return;
    const event = encodeCatalogChanged(spokeName, this.#instanceId, operationsChanged);
    this.#bus.publish(CATALOG_CHANNEL, event).catch((error) => {
      this.#log.warn("catalog change not announced", { spoke: spokeName, error: String(error) });
    });
  }

  #serial<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(name) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(name, tail);
    void tail.then(() => {
      if (this.#queues.get(name) === tail) this.#queues.delete(name);
    });
    return run;
  }
}

/** Whether `spoke` (as indexed) already has exactly `specs`, in the same order with the same content. */
function sameOperations(spoke: CatalogSpoke | undefined, specs: SpokeRegistration["operations"]): boolean {
  if (!spoke || spoke.operations.size !== specs.length) return false;
  let i = 0;
  for (const operation of spoke.operations.values()) {
    if (JSON.stringify(operation.spec) !== JSON.stringify(specs[i++])) return false;
  }
  return true;
}
