/**
 * The bus message every instance sends after it changes a spoke's rows, so the others reload that spoke
 * (ARCHITECTURE.md › Many instances).
 */

/** Bus channel of catalog changes. */
export const CATALOG_CHANNEL = "alkhub:catalog";

/** "Spoke `spoke` changed in the store; reload it." Sent by instance `instanceId`. */
export interface CatalogChangedEvent {
  type: "catalog.changed";
  spoke: string;
  instanceId: string;
  /**
   * False when only the spoke's row changed (status, connection) and its operation set is what it was: a
   * receiver that holds the spoke re-reads the row and keeps its compiled operations. Absent means true.
   */
  operations?: boolean;
}

/** The bus text of a `catalog.changed` event. */
export function encodeCatalogChanged(spoke: string, instanceId: string, operations = true): string {
  const event: CatalogChangedEvent = { type: "catalog.changed", spoke, instanceId };
  if (!operations) event.operations = false;
  return JSON.stringify(event);
}

/** The event in `message`, or `undefined` when it is not a well-formed `catalog.changed`. */
export function parseCatalogChanged(message: string): CatalogChangedEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { type, spoke, instanceId, operations } = value as Record<string, unknown>;
  if (type !== "catalog.changed" || typeof spoke !== "string" || typeof instanceId !== "string") {
    return undefined;
  }
  if (spoke.length === 0 || spoke.length > 128) return undefined;
  return operations === false ? { type, spoke, instanceId, operations } : { type, spoke, instanceId };
}
