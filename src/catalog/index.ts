/**
 * The catalog: the cluster-wide view of spokes and their operations — register, list, search, schema — with an
 * in-memory index per instance kept fresh through `catalog.changed` bus events (ARCHITECTURE.md › Many instances).
 */
export { Catalog, type CatalogOptions, DEFAULT_HEARTBEAT_FLUSH_MS } from "./catalog.ts";
export { CATALOG_CHANNEL, type CatalogChangedEvent } from "./events.ts";
export { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from "./listing.ts";
export { spokeDisabledError } from "./persistence.ts";
export { DEFAULT_SCHEMA_CACHE_MAX_ENTRIES, SchemaCompiler } from "./schema-compiler.ts";
export { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, SEARCH_SCORES } from "./search.ts";
export type {
  CatalogOperation,
  CatalogSpoke,
  OperationSchemaView,
  SpokeListItem,
  SpokeRegistration,
} from "./types.ts";
