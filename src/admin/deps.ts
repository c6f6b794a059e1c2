/**
 * What the route handlers reach. Accessors, because the routes are mounted when the listener opens and the
 * parts exist only once the hub is ready (the startup gate keeps requests out until then).
 */
import type { Revocations } from "../auth/index.ts";
import type { Bus } from "../bus/index.ts";
import type { KeyRing } from "../crypto/index.ts";
import type { HubParts } from "../hub-parts.ts";
import type { Logger } from "../log/index.ts";
import type { Store } from "../store/index.ts";

/** The parts the API routes use. */
export interface ApiDeps {
  store(): Store;
  bus(): Bus;
  revocations(): Revocations;
  log(): Logger;
  /** The data keys (`encryptionKeys`); undefined when the config has none (client secrets disabled). */
  keyRing(): KeyRing | undefined;
  /** The parts above store and bus (calls facade, catalog, gateway, …). */
  parts(): HubParts;
  /** This instance's id. */
  instanceId: string;
}
