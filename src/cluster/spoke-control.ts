import type { Bus } from "../bus/index.ts";
import type { Catalog, CatalogSpoke } from "../catalog/index.ts";
import type { Presence } from "../presence/index.ts";
import { HubError } from "../protocol/index.ts";
import type { SpokeGateway } from "../spokes/index.ts";
import type { AuditActor } from "../store/index.ts";
import { encodeDisconnect } from "./instance-messages.ts";

/** Where a disconnect went: the instance that held the spoke, or none when it was not connected. */
export interface DisconnectResult {
  disconnected: boolean;
  instanceId: string | null;
}

/**
 * An operator's actions on a spoke name, wherever in the cluster it is connected. Disconnect finds the holder
 * in presence and closes it here or tells its instance (instance message `D`); disable and enable go through
 * the catalog, whose change event makes every instance's gateway close a live connection of a disabled name.
 */
export class SpokeControl {
  readonly #bus: Bus;
  readonly #presence: Presence;
  readonly #catalog: Catalog;
  readonly #gateway: SpokeGateway;

  constructor(opts: { bus: Bus; presence: Presence; catalog: Catalog; gateway: SpokeGateway }) {
    this.#bus = opts.bus;
    this.#presence = opts.presence;
    this.#catalog = opts.catalog;
    this.#gateway = opts.gateway;
  }

  /**
   * Closes the live connection of spoke `name` (1000: the SDK reconnects). Throws `HubError`
   * `OPERATION_NOT_FOUND` for a name the catalog does not know, `UNAVAILABLE` when presence or the bus is down.
   */
  async disconnect(name: string): Promise<DisconnectResult> {
    if (!this.#catalog.spoke(name)) throw notFound(name);
    const self = this.#bus.instanceId;
    let holder: Awaited<ReturnType<Presence["lookup"]>>[number];
    try {
      [holder] = await this.#presence.lookup([name]);
    } catch (error) {
      throw new HubError("UNAVAILABLE", "spoke holders cannot be looked up while Redis is unreachable", {
        cause: error,
      });
    }
    if (!holder || holder.instanceId === self) {
      const closed = this.#gateway.disconnect(name, holder?.connectionId);
      return { disconnected: closed, instanceId: closed ? self : null };
    }
    try {
      await this.#bus.sendToInstance(holder.instanceId, encodeDisconnect(self, name, holder.connectionId));
    } catch (error) {
      throw new HubError("UNAVAILABLE", "the instance holding the spoke cannot be reached", { cause: error });
    }
    return { disconnected: true, instanceId: holder.instanceId };
  }

  /**
   * Disables (or enables) spoke name `name` on every instance, audited with `actor`; `OPERATION_NOT_FOUND` for
   * an unknown name.
   */
  async setDisabled(name: string, disabled: boolean, actor: AuditActor = {}): Promise<CatalogSpoke> {
    const spoke = await this.#catalog.setDisabled(name, disabled, actor);
    if (!spoke) throw notFound(name);
    return spoke;
  }
}

function notFound(name: string): HubError {
  return new HubError("OPERATION_NOT_FOUND", `no spoke named "${name}" is known to the hub`);
}
