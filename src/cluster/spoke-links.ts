import type { CatalogSpoke } from "../catalog/index.ts";
import type { SpokeLink, SpokeLinks } from "../router/index.ts";
import type { RemoteLinks } from "./remote-links.ts";

/** The spoke connections of this instance, by connection id (the gateway's directory). */
export interface LocalLinks {
  byConnection(connectionId: string): SpokeLink | undefined;
}

/**
 * The router's `SpokeLinks`: the local connection when this instance holds the spoke, otherwise a link through
 * the bus to the instance that does.
 */
export class ClusterSpokeLinks implements SpokeLinks {
  readonly #instanceId: string;
  readonly #local: LocalLinks;
  readonly #remote: RemoteLinks;

  constructor(instanceId: string, local: LocalLinks, remote: RemoteLinks) {
    this.#instanceId = instanceId;
    this.#local = local;
    this.#remote = remote;
  }

  link(spoke: CatalogSpoke): SpokeLink | undefined {
    return spoke.instanceId === this.#instanceId
      ? this.#local.byConnection(spoke.connectionId ?? "")
      : this.#remote.link(spoke);
  }
}
