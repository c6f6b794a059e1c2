/**
 * The bus carries messages between hub instances (ARCHITECTURE.md › Many instances). Two implementations share
 * this contract and one conformance suite: `memory.ts` (single instance, the real default) and `redis.ts`.
 */

/** Receives one message published on `channel`. A handler that throws never stops delivery to the others. */
export type BusHandler = (message: string, channel: string) => void;

/**
 * Stops one subscription: its handler gets no message after this is called. Calling it twice is harmless. It never
 * rejects; if Redis is down, the Redis side is cleaned up after the reconnect.
 */
export type Unsubscribe = () => Promise<void>;

/** Publish/subscribe between hub instances, by channel name; strings only (callers serialise). */
export interface Bus {
  /** Which implementation this is (for logs and `/health`). */
  readonly kind: "memory" | "redis";
  /** This instance's id; messages addressed to it arrive on `instanceChannel(instanceId)`. */
  readonly instanceId: string;
  /**
   * Publishes `message` to every subscriber of `channel`, on every instance. Resolves once the message is handed
   * to the transport; rejects when it could not be (e.g. Redis is down) so callers can fail fast.
   */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Calls `handler` for every message on `channel` until unsubscribed. Survives reconnects. Rejects with
   * `UnavailableError` when the subscription could not be made (the bus is closed, or Redis is down right now).
   */
  subscribe(channel: string, handler: BusHandler): Promise<Unsubscribe>;
  /** Publishes to the channel of one instance. */
  sendToInstance(instanceId: string, message: string): Promise<void>;
  /** Subscribes to this instance's own channel. */
  onInstanceMessage(handler: BusHandler): Promise<Unsubscribe>;
  /** Whether messages can reach other instances now (always true for the memory bus while open). */
  readonly healthy: boolean;
  /** Calls `listener` each time `healthy` changes. Returns a function that removes the listener. */
  onHealthChange(listener: (healthy: boolean) => void): () => void;
  /**
   * Closes connections and drops all subscriptions; `healthy` turns false (listeners hear it once) and publishing
   * or subscribing afterwards rejects. Calling it twice is harmless.
   */
  close(): Promise<void>;
}

/** The channel of one instance. */
export function instanceChannel(instanceId: string): string {
  return `alkhub:instance:${instanceId}`;
}
