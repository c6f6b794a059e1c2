/**
 * A TCP proxy on 127.0.0.1 in front of a real service, so a test can take the service away from the hub and
 * give it back without stopping the shared server other suites use. Two faults: `pause()` closes every
 * connection and refuses new ones (`resume()` accepts again) — a server that is down; `freeze()` keeps every
 * connection open and accepts new ones but forwards nothing in either direction (`thaw()` delivers what was
 * held, in order) — a network that silently drops packets, where only a deadline notices.
 */
import type { TCPSocketListener } from "bun";
import { flush, type Pair, send } from "./socket-pair.ts";

export interface TcpProxy {
  readonly port: number;
  pause(): void;
  resume(): void;
  /** Stops forwarding (connections stay open, bytes are held); `thaw()` delivers the held bytes in order. */
  freeze(): void;
  thaw(): void;
  stop(): void;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let paused = false;
  let frozen = false;
  /** Bytes that arrived while frozen, in arrival order, with the side they go to. */
  let held: Array<{ pair: Pair; toUpstream: boolean; chunk: Uint8Array }> = [];
  const forward = (pair: Pair, toUpstream: boolean, chunk: Uint8Array) => {
    if (frozen) {
      held.push({ pair, toUpstream, chunk: new Uint8Array(chunk) });
      return;
    }
    if (!toUpstream) send(pair, pair.client, chunk);
    else if (pair.upstream) send(pair, pair.upstream, chunk);
    else pair.pending.push(new Uint8Array(chunk));
  };
  let listener: TCPSocketListener<Pair> | undefined;
  let port = 0;

  const closeAll = () => {
    for (const pair of pairs) {
      pair.client.end();
      pair.upstream?.end();
    }
    pairs.clear();
  };

  const listen = () => {
    listener = Bun.listen<Pair>({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(client) {
          const pair: Pair = { client, pending: [], backlog: new Map() };
          client.data = pair;
          pairs.add(pair);
          Bun.connect<Pair>({
            hostname: target.host,
            port: target.port,
            socket: {
              open(upstream) {
                upstream.data = pair;
                pair.upstream = upstream;
                for (const chunk of pair.pending) send(pair, upstream, chunk);
                pair.pending = [];
              },
              data(_upstream, chunk) {
                forward(pair, false, chunk);
              },
              drain(upstream) {
                flush(pair, upstream);
              },
              close() {
                pair.client.end();
                pairs.delete(pair);
              },
              error() {
                pair.client.end();
              },
            },
          }).catch(() => client.end());
        },
        data(client, chunk) {
          forward(client.data, true, chunk);
        },
        drain(client) {
          flush(client.data, client);
        },
        close(client) {
          client.data?.upstream?.end();
          if (client.data) pairs.delete(client.data);
        },
      },
    });
    port = listener.port;
  };

  listen();
  return {
    get port() {
      return port;
    },
    pause() {
      if (paused) return;
      paused = true;
      held = [];
      listener?.stop(true);
      closeAll();
    },
    resume() {
      if (!paused) return;
      paused = false;
      listen();
    },
    freeze() {
      frozen = true;
    },
    thaw() {
      if (!frozen) return;
      frozen = false;
      const backlog = held;
      held = [];
      for (const { pair, toUpstream, chunk } of backlog) {
        if (pairs.has(pair)) forward(pair, toUpstream, chunk);
      }
    },
    stop() {
      paused = true;
      frozen = false;
      held = [];
      listener?.stop(true);
      closeAll();
    },
  };
}
