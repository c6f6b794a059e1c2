/**
 * The shapes the catalog holds and hands out (ARCHITECTURE.md › Modules, PROTOCOL.md › Operation spec).
 * Index entries are immutable: a change replaces the whole spoke entry, never edits one in place.
 */
import type { OperationSpec, Visibility } from "../protocol/index.ts";

/** What `Catalog.register` records for one spoke connection (a checked `hub.register` plus who sent it). */
export interface SpokeRegistration {
  /** Spoke name (one segment, not `hub`). */
  name: string;
  /** Account of the registering key: owns the spoke. */
  accountId: string;
  /** Id of the registering key. */
  keyId: string;
  kind?: string;
  version?: string;
  hostInfo?: Record<string, unknown>;
  visibility: Visibility;
  /** Most calls the spoke runs at once. */
  maxConcurrency?: number;
  /** The whole operation set; it replaces any earlier one. */
  operations: OperationSpec[];
  /** Hub instance that holds the connection. */
  instanceId: string;
  /** The connection that holds the name; `markOffline` needs the same id. */
  connectionId: string;
}

/** One published operation with its compiled validators. */
export interface CatalogOperation {
  /** Published name `<spoke>.<local>`. */
  readonly name: string;
  readonly localName: string;
  readonly spokeName: string;
  /** The spec as registered (`spec.name` is the local name). */
  readonly spec: OperationSpec;
  /** `undefined` when `input` matches `inputSchema`, else one message naming the path and rule (`input/path: must be string`). */
  checkInput(input: unknown): string | undefined;
  /** As `checkInput`, against `outputSchema` (rooted at `output`); always `undefined` without an output schema. */
  checkOutput(output: unknown): string | undefined;
}

/** One spoke as this instance knows it. */
export interface CatalogSpoke {
  /** Row id in `spokes`; stable across re-registrations of the same name. */
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
  readonly keyId: string;
  readonly kind?: string;
  readonly version?: string;
  readonly hostInfo?: Record<string, unknown>;
  readonly visibility: Visibility;
  readonly maxConcurrency?: number;
  /** True while a connection (on any instance this one has heard from) holds the name. */
  readonly live: boolean;
  readonly instanceId?: string;
  readonly connectionId?: string;
  readonly connectedAt?: Date;
  readonly disconnectedAt?: Date;
  /** Set while an operator has disabled the name: registrations are refused and a live connection closed. */
  readonly disabledAt?: Date;
  /** By local name. */
  readonly operations: ReadonlyMap<string, CatalogOperation>;
}

/** One row of `Catalog.spokes()`. */
export interface SpokeListItem {
  name: string;
  kind?: string;
  version?: string;
  live: boolean;
  /** Operations of this spoke the viewer may see. */
  operations: number;
  /** ISO 8601. */
  connectedAt?: string;
  /** ISO 8601. */
  disconnectedAt?: string;
  visibility: Visibility;
}

/** `hub.schema` output: the full spec under its published name, plus its spoke. */
export type OperationSchemaView = OperationSpec & { name: string; spoke: { name: string; live: boolean } };
