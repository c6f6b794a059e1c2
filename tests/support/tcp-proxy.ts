/**
 * A TCP proxy on 127.0.0.1 in front of a real service, so a test can take the service away from the hub and
 * give it back (`pause()` closes every connection and refuses new ones; `resume()` accepts again) without
 * stopping the shared server other suites use.
 */
import type { TCPSocketListener } from "bun";
import { flush, type Pair, send } from "./socket-pair.ts";

export interface TcpProxy {
  readonly port: number;
  pause(): void;
  resume(): void;
  stop(): void;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let paused = false;
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
                send(pair, pair.client, chunk);
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
          const pair = client.data;
          if (pair.upstream) send(pair, pair.upstream, chunk);
          else pair.pending.push(new Uint8Array(chunk));
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
      listener?.stop(true);
      closeAll();
    },
    resume() {
      if (!paused) return;
      paused = false;
      listen();
    },
    stop() {
      paused = true;
      listener?.stop(true);
      closeAll();
    },
  };
}
