import type { Bus } from "../bus/index.ts";
import type { CatalogSpoke } from "../catalog/index.ts";
import type { Logger } from "../log/index.ts";
import type { SpokeFrameType, SpokeLink, SpokeReplyFrame } from "../router/index.ts";
import type { InstanceLiveness } from "./instance-liveness.ts";
import { encodeForward } from "./instance-messages.ts";

/** A spoke connection held by another instance, reached through the bus. */
export class RemoteLink implements SpokeLink {
  readonly remote = true;
  readonly connectionId: string;
  readonly spokeName: string;
  readonly instanceId: string;
  readonly maxConcurrency: number | undefined;
  inFlight = 0;
  /** The catalog moved the spoke away from this connection; kept only until its calls in flight end. */
  retired = false;
  readonly #links: RemoteLinks;

  constructor(links: RemoteLinks, spoke: CatalogSpoke & { instanceId: string; connectionId: string }) {
    this.#links = links;
    this.connectionId = spoke.connectionId;
    this.spokeName = spoke.name;
    this.instanceId = spoke.instanceId;
    this.maxConcurrency = spoke.maxConcurrency;
  }

  send(frame: string, type: SpokeFrameType, hubId: string, subscription: boolean): boolean {
    return this.#links.forward(this, frame, type, hubId, subscription);
  }
}

/**
 * The caller's side of cross-instance calls: a `RemoteLink` per remote spoke connection and the frames
 * published to the owner's instance channel. It is made before the router (the router routes through it), so
 * it does not call the router: it answers what arrived, and `ClusterNode` hands that to the router.
 */
export class RemoteLinks {
  readonly #bus: Bus;
  readonly #liveness: InstanceLiveness;
  readonly #log: Logger;
  readonly #links = new Map<string, RemoteLink>();
  readonly #undeliverable = new Set<(hubId: string, message: string) => void>();

  constructor(bus: Bus, liveness: InstanceLiveness, log: Logger) {
    this.#bus = bus;
    this.#liveness = liveness;
    this.#log = log;
  }

  /** Calls `listener` for each call whose frame could not be published to its owner; returns the way to stop. */
  onUndeliverable(listener: (hubId: string, message: string) => void): () => void {
    this.#undeliverable.add(listener);
    return () => this.#undeliverable.delete(listener);
  }

  /** The link to a spoke on another instance; undefined while that instance (or the bus) is unreachable. */
  link(spoke: CatalogSpoke): SpokeLink | undefined {
    const { instanceId, connectionId } = spoke;
    if (!instanceId || !connectionId || !this.#liveness.isAlive(instanceId)) return undefined;
    const key = `${instanceId}/${connectionId}`;
    let link = this.#links.get(key);
    if (!link) {
      link = new RemoteLink(this, { ...spoke, instanceId, connectionId });
      this.#links.set(key, link);
    }
    // Shown live again on the same connection (presence came back after a Redis outage, say).
    link.retired = false;
    return link;
  }

  /** Publishes a frame the router sent over `link` to the owner's instance channel, with its routing facts. */
  forward(
    link: RemoteLink,
    frame: string,
    type: SpokeFrameType,
    hubId: string,
    subscription: boolean,
  ): boolean {
    if (!this.#bus.healthy) return false;
    const message = encodeForward(this.#bus.instanceId, link.connectionId, type, hubId, subscription, frame);
    this.#bus.sendToInstance(link.instanceId, message).catch(() => {
      const why = `the instance holding spoke "${link.spokeName}" is unreachable`;
      for (const listener of this.#undeliverable) listener(hubId, why);
    });
    return true;
  }

  /**
   * A reply frame relayed by the owner of `connectionId`: the link it belongs to and the frame, or undefined
   * when there is no such link. Hand it to the router, then call `settled(link)`. The owner checked the frame
   * when its spoke sent it and relays it as received (the instances trust each other: they share the bus and
   * the database), so it is only parsed here, once.
   */
  reply(
    from: string,
    connectionId: string,
    frameText: string,
  ): { link: RemoteLink; frame: SpokeReplyFrame } | undefined {
    const link = this.#links.get(`${from}/${connectionId}`);
    if (!link) return undefined;
    try {
      return { link, frame: JSON.parse(frameText) as SpokeReplyFrame };
    } catch {
      this.#log.warn("ignored an unreadable relayed frame", { from });
      return undefined;
    }
  }

  /** A retired link goes once its last call ended. */
  settled(link: RemoteLink): void {
    if (link.retired && link.inFlight === 0) this.#links.delete(`${link.instanceId}/${link.connectionId}`);
  }

  /**
   * Drops the links of spoke `name` except the one to `currentConnectionId`. A link with calls in flight is only
   * retired: the replies of those calls still arrive through it (a draining owner finishes them after it freed
   * the name), and it goes once they ended.
   */
  prune(name: string, currentConnectionId: string | undefined): void {
    for (const [key, link] of this.#links) {
      if (link.spokeName !== name || link.connectionId === currentConnectionId) continue;
      if (link.inFlight > 0) link.retired = true;
      else this.#links.delete(key);
    }
  }

  /** Drops every link (the bus is down: no reply can come back); returns them so their calls can fail. */
  dropAll(): RemoteLink[] {
    const dropped = [...this.#links.values()];
    this.#links.clear();
    return dropped;
  }

  /** Drops the links to `instanceId` (it went silent); returns them so their calls can fail. */
  dropInstance(instanceId: string): RemoteLink[] {
    const dropped: RemoteLink[] = [];
    for (const [key, link] of this.#links) {
      if (link.instanceId !== instanceId) continue;
      this.#links.delete(key);
      dropped.push(link);
    }
    return dropped;
  }
}
