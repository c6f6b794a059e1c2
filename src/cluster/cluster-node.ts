import type { Bus, Unsubscribe } from "../bus/index.ts";
import type { Catalog } from "../catalog/index.ts";
import type { Logger } from "../log/index.ts";
import type { Presence } from "../presence/index.ts";
import type { Router } from "../router/index.ts";
import type { SpokeDirectory, SpokeGateway } from "../spokes/index.ts";
import { ForwardedCalls } from "./forwarded-calls.ts";
import { InstanceLiveness } from "./instance-liveness.ts";
import { decodeInstanceMessage, encodeTakeover } from "./instance-messages.ts";
import { PresenceWatch } from "./presence-watch.ts";
import { RemoteLinks } from "./remote-links.ts";
import { ClusterLinks } from "./spoke-links.ts";

/** How long, after the bus came back, to wait for the presence connection before announcing anyway. */
export const RECOVERY_WAIT_MS = 10_000;
/** Between two probes of the presence connection while it reconnects. */
const RECOVERY_PROBE_MS = 100;

/**
 * This instance's part in a cluster (ARCHITECTURE.md › Many instances): its instance channel, the liveness of
 * the others, calls to spokes they hold and from callers they serve, and presence checks. With the memory bus
 * there is nobody else and all of it idles.
 */
export class ClusterNode {
  readonly remoteLinks: RemoteLinks;
  /** Where the router sends a call: a local session or another instance (the local-or-remote choice). */
  readonly links: ClusterLinks;
  /** Calls other instances' callers make to spokes connected here. */
  readonly forwarded: ForwardedCalls;
  readonly #bus: Bus;
  readonly #presence: Presence;
  readonly #catalog: Catalog;
  readonly #log: Logger;
  readonly #liveness: InstanceLiveness;
  readonly #watch: PresenceWatch;
  #gateway: SpokeGateway | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #stopHealthListener: (() => void) | undefined;
  #stopCatalogListener: (() => void) | undefined;

  constructor(opts: {
    bus: Bus;
    presence: Presence;
    catalog: Catalog;
    log: Logger;
    remoteAckMs: number;
    heartbeatMs: number;
    /** The spokes connected to this instance (shared with the gateway). */
    directory: SpokeDirectory;
  }) {
    this.#bus = opts.bus;
    this.#presence = opts.presence;
    this.#catalog = opts.catalog;
    this.#log = opts.log;
    this.#liveness = new InstanceLiveness(opts.bus, opts.remoteAckMs, (instanceId) =>
      this.#instanceDown(instanceId),
    );
    this.remoteLinks = new RemoteLinks(opts.bus, this.#liveness, opts.log);
    this.links = new ClusterLinks(opts.bus.instanceId, opts.directory, this.remoteLinks);
    this.forwarded = new ForwardedCalls(opts.bus, opts.directory, opts.remoteAckMs);
    this.#watch = new PresenceWatch({
      catalog: opts.catalog,
      presence: opts.presence,
      log: opts.log,
      intervalMs: opts.heartbeatMs,
      ownerAlive: (instanceId) => this.#liveness.isHeard(instanceId),
    });
  }

  /** Connects the parts created after this node. */
  attach(router: Router, gateway: SpokeGateway): void {
    this.remoteLinks.useRouter(router);
    this.#gateway = gateway;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#bus.onInstanceMessage((text) => this.#onMessage(text));
    if (this.#bus.kind === "memory") return;
    await this.#liveness.start();
    this.#watch.start();
    this.#stopCatalogListener = this.#catalog.onChange((name) => {
      const spoke = this.#catalog.spoke(name);
      this.remoteLinks.prune(name, spoke?.live ? spoke.connectionId : undefined);
    });
    this.#stopHealthListener = this.#bus.onHealthChange((healthy) => {
      if (!healthy) {
        // Replies published while the bus is down are lost: calls waiting on other instances fail now.
        this.remoteLinks.busDown();
        return;
      }
      void this.#recover();
    });
  }

  /**
   * Redis is back: claims this instance's spoke names again and announces them. The presence connection
   * reconnects on its own schedule, so this waits until it answers: announced before their claims exist, the
   * spokes would be shown live elsewhere, found unclaimed by the presence check there, and shown offline again.
   */
  async #recover(): Promise<void> {
    const giveUpAt = Date.now() + RECOVERY_WAIT_MS;
    while (this.#bus.healthy && Date.now() < giveUpAt) {
      try {
        await this.#presence.lookup(["hub"]);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, RECOVERY_PROBE_MS));
      }
    }
    if (!this.#bus.healthy) return;
    this.#log.info("Redis is back: announcing this instance's spokes again");
    await this.#gateway?.reannounce();
    await this.#watch.check();
  }

  async stop(): Promise<void> {
    this.#stopHealthListener?.();
    this.#stopCatalogListener?.();
    this.#watch.stop();
    this.forwarded.stop();
    await this.#liveness.stop();
    await this.#unsubscribe?.();
  }

  /** Tells `instanceId` to close its connection that held `spokeName` (taken over here). */
  async takeOver(instanceId: string, spokeName: string, connectionId: string): Promise<void> {
    await this.#bus
      .sendToInstance(instanceId, encodeTakeover(this.#bus.instanceId, spokeName, connectionId))
      .catch((error: unknown) => this.#log.warn("could not tell an instance about a takeover", { error }));
  }

  #onMessage(text: string): void {
    const message = decodeInstanceMessage(text);
    if (!message) {
      this.#log.warn("ignored a malformed message on the instance channel", { length: text.length });
      return;
    }
    switch (message.kind) {
      case "F":
        this.forwarded.forward(
          message.from,
          message.connectionId,
          message.type,
          message.hubId,
          message.subscription,
          message.frame,
        );
        return;
      case "R":
        this.remoteLinks.onReply(message.from, message.connectionId, message.frame);
        return;
      case "A":
        this.remoteLinks.onAck(message.hubId);
        return;
      case "N":
        this.remoteLinks.onNotHere(message.hubId);
        return;
      case "T":
        this.#gateway?.takenOver(message.spokeName, message.connectionId);
        return;
    }
  }

  #instanceDown(instanceId: string): void {
    this.#log.warn("an instance stopped answering; failing its calls", { instance: instanceId.slice(0, 8) });
    this.remoteLinks.instanceDown(instanceId);
    this.forwarded.callerDown(instanceId);
    void this.#watch.check();
  }
}
