import type { Bus } from "../bus/index.ts";
import type { CatalogSpoke } from "../catalog/index.ts";
import type { Logger } from "../log/index.ts";
import type { Router, SpokeFrameType, SpokeLink, SpokeReplyFrame } from "../router/index.ts";
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
 * The caller's side of cross-instance calls: a `RemoteLink` per remote spoke connection, frames published to
 * the owner's instance channel, and the owner's replies, acks and refusals handed to the router.
 */
export class RemoteLinks {
  readonly #bus: Bus;
  readonly #liveness: InstanceLiveness;
  readonly #log: Logger;
  readonly #links = new Map<string, RemoteLink>();
  #router: Router | undefined;

  constructor(bus: Bus, liveness: InstanceLiveness, log: Logger) {
    this.#bus = bus;
    this.#liveness = liveness;
    this.#log = log;
  }

  useRouter(router: Router): void {
    this.#router = router;
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
      this.#router?.remoteUnavailable(hubId, `the instance holding spoke "${link.spokeName}" is unreachable`);
    });
    return true;
  }

  /**
   * A reply frame relayed by the owner of `connectionId`. The owner checked it when its spoke sent it (the
   * instances trust each other: they share the bus and the database), so it is only parsed here, once.
   */
  onReply(from: string, connectionId: string, frameText: string): void {
    const key = `${from}/${connectionId}`;
    const link = this.#links.get(key);
    if (!link || !this.#router) return;
    let frame: SpokeReplyFrame;
    try {
      frame = JSON.parse(frameText) as SpokeReplyFrame;
    } catch {
      this.#log.warn("ignored an unreadable relayed frame", { from });
      return;
    }
    this.#router.remoteAcknowledged(frame.id);
    this.#router.onSpokeFrame(link, frame);
    if (link.retired && link.inFlight === 0) this.#links.delete(key);
  }

  /** The owner took these calls (a comma-separated list of hub ids). */
  onAck(hubIds: string): void {
    for (const hubId of hubIds.split(",")) this.#router?.remoteAcknowledged(hubId);
  }

  onNotHere(hubId: string): void {
    this.#router?.remoteUnavailable(hubId, "the spoke is no longer connected to the instance that held it");
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

  /** The bus is down: no reply can come back, so every call waiting on another instance fails now. */
  busDown(): void {
    for (const [key, link] of this.#links) {
      this.#links.delete(key);
      this.#router?.linkUnavailable(link, "the instances cannot reach each other (Redis is unavailable)");
    }
  }

  /** An instance went silent: its links are dropped and their calls fail now. */
  instanceDown(instanceId: string): void {
    for (const [key, link] of this.#links) {
      if (link.instanceId !== instanceId) continue;
      this.#links.delete(key);
      this.#router?.linkUnavailable(link, `the instance holding spoke "${link.spokeName}" stopped answering`);
    }
  }
}
