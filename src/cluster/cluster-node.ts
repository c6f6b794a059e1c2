import type { Bus, Unsubscribe } from "../bus/index.ts";
import type { Catalog } from "../catalog/index.ts";
import type { Service } from "../lifecycle/index.ts";
import type { Logger } from "../log/index.ts";
import type { Presence } from "../presence/index.ts";
import type { Router } from "../router/index.ts";
import type { SpokeGateway } from "../spokes/index.ts";
import type { ForwardedCalls } from "./forwarded-calls.ts";
import type { InstanceLiveness } from "./instance-liveness.ts";
import { decodeInstanceMessage } from "./instance-messages.ts";
import { PresenceWatch } from "./presence-watch.ts";
import type { RemoteLinks } from "./remote-links.ts";

/** How long, after the bus came back, to wait for the presence connection before announcing anyway. */
export const RECOVERY_WAIT_MS = 10_000;
/** Between two probes of the presence connection while it reconnects. */
const RECOVERY_PROBE_MS = 100;

/** What a `ClusterNode` works with; all of it is built before the node. */
export interface ClusterNodeOptions {
  bus: Bus;
  presence: Presence;
  catalog: Catalog;
  log: Logger;
  heartbeatMs: number;
  liveness: InstanceLiveness;
  remoteLinks: RemoteLinks;
  /** Takes what comes back from calls sent to other instances. */
  router: Router;
  /** The local /ws connections (closed on takeover, announced again after an outage). */
  gateway: SpokeGateway;
  /** Calls other instances relay to spokes connected here. */
  forwarded: ForwardedCalls;
}

/**
 * This instance's part in a cluster (ARCHITECTURE.md › Many instances): its instance channel, the liveness of
 * the others, calls to spokes they hold and from callers they serve, and presence checks. With the memory bus
 * there is nobody else and all of it idles.
 */
export class ClusterNode implements Service {
  readonly name = "cluster";
  readonly #bus: Bus;
  readonly #presence: Presence;
  readonly #catalog: Catalog;
  readonly #log: Logger;
  readonly #liveness: InstanceLiveness;
  readonly #remoteLinks: RemoteLinks;
  readonly #router: Router;
  readonly #gateway: SpokeGateway;
  readonly #forwarded: ForwardedCalls;
  readonly #watch: PresenceWatch;
  readonly #stopListeners: Array<() => void> = [];
  #unsubscribe: Unsubscribe | undefined;

  constructor(opts: ClusterNodeOptions) {
    this.#bus = opts.bus;
    this.#presence = opts.presence;
    this.#catalog = opts.catalog;
    this.#log = opts.log;
    this.#liveness = opts.liveness;
    this.#remoteLinks = opts.remoteLinks;
    this.#router = opts.router;
    this.#gateway = opts.gateway;
    this.#forwarded = opts.forwarded;
    this.#watch = new PresenceWatch({
      catalog: opts.catalog,
      presence: opts.presence,
      log: opts.log,
      intervalMs: opts.heartbeatMs,
      ownerAlive: (instanceId) => this.#liveness.isHeard(instanceId),
    });
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#bus.onInstanceMessage((text) => this.#onMessage(text));
    if (this.#bus.kind === "memory") return;
    this.#stopListeners.push(
      this.#liveness.onDead((instanceId) => this.#instanceDown(instanceId)),
      this.#remoteLinks.onUndeliverable((hubId, message) => this.#router.remoteUnavailable(hubId, message)),
    );
    await this.#liveness.start();
    this.#watch.start();
    this.#stopListeners.push(
      this.#catalog.onChange((name) => {
        const spoke = this.#catalog.spoke(name);
        this.#remoteLinks.prune(name, spoke?.live ? spoke.connectionId : undefined);
      }),
      this.#bus.onHealthChange((healthy) => {
        if (!healthy) {
          // Replies published while the bus is down are lost: calls waiting on other instances fail now.
          for (const link of this.#remoteLinks.dropAll()) {
            this.#router.linkUnavailable(
              link,
              "the instances cannot reach each other (Redis is unavailable)",
            );
          }
          return;
        }
        void this.#recover();
      }),
    );
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
    await this.#gateway.reannounce();
    await this.#watch.check();
  }

  async stop(): Promise<void> {
    for (const stop of this.#stopListeners.splice(0)) stop();
    this.#watch.stop();
    this.#forwarded.stop();
    await this.#liveness.stop();
    await this.#unsubscribe?.();
  }

  #onMessage(text: string): void {
    const message = decodeInstanceMessage(text);
    if (!message) {
      this.#log.warn("ignored a malformed message on the instance channel", { length: text.length });
      return;
    }
    switch (message.kind) {
      case "F":
        this.#forwarded.forward(
          message.from,
          message.connectionId,
          message.type,
          message.hubId,
          message.subscription,
          message.frame,
        );
        return;
      case "R": {
        const reply = this.#remoteLinks.reply(message.from, message.connectionId, message.frame);
        if (!reply) return;
        this.#router.remoteAcknowledged(reply.frame.id);
        this.#router.onSpokeFrame(reply.link, reply.frame);
        this.#remoteLinks.settled(reply.link);
        return;
      }
      case "A":
        // The owner took these calls (a comma-separated list of hub ids).
        for (const hubId of message.hubId.split(",")) this.#router.remoteAcknowledged(hubId);
        return;
      case "N":
        this.#router.remoteUnavailable(
          message.hubId,
          "the spoke is no longer connected to the instance that held it",
        );
        return;
      case "T":
        this.#gateway.takenOver(message.spokeName, message.connectionId);
        return;
      case "D":
        this.#gateway.disconnect(message.spokeName, message.connectionId);
        return;
    }
  }

  #instanceDown(instanceId: string): void {
    this.#log.warn("an instance stopped answering; failing its calls", { instance: instanceId.slice(0, 8) });
    for (const link of this.#remoteLinks.dropInstance(instanceId)) {
      this.#router.linkUnavailable(link, `the instance holding spoke "${link.spokeName}" stopped answering`);
    }
    this.#forwarded.callerDown(instanceId);
    void this.#watch.check();
  }
}
