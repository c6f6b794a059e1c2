import type { CatalogSpoke } from "../catalog/index.ts";
import type { SpokeLink, SpokeLinks } from "../router/index.ts";
import type { SpokeDirectory } from "../spokes/index.ts";
import type { RemoteLinks } from "./remote-links.ts";

/**
 * The router's `SpokeLinks`: the one place that chooses between a spoke connected to this instance (its
 * session, from the directory) and one held by another instance (a `RemoteLink` through the bus).
 */
export class ClusterLinks implements SpokeLinks {
  readonly #instanceId: string;
  readonly #directory: SpokeDirectory;
  readonly #remote: RemoteLinks;

  constructor(instanceId: string, directory: SpokeDirectory, remote: RemoteLinks) {
    this.#instanceId = instanceId;
    this.#directory = directory;
    this.#remote = remote;
  }

  link(spoke: CatalogSpoke): SpokeLink | undefined {
    if (spoke.instanceId === this.#instanceId) return this.#directory.byConnection(spoke.connectionId ?? "");
    return this.#remote.link(spoke);
  }
}
