/**
 * A tiny TCP load balancer on 127.0.0.1 in front of several hub instances, as a spoke behind a real balancer
 * sees them: each new connection goes round-robin to an instance whose `/health` answered 200 at the last
 * check (polled every `checkMs`), or to the next one when connecting fails. Connections already open stay where
 * they are.
 */
import type { TCPSocketListener } from "bun";
import { flush, type Pair, send } from "./socket-pair.ts";

/** How often the backends' /health is polled, in milliseconds. */
const DEFAULT_CHECK_MS = 100;

/** One hub behind the balancer. */
export interface Backend {
  /** Its HTTP base URL (`http://127.0.0.1:<port>`). */
  url: string;
}

/** A running balancer. */
export interface TcpBalancer {
  readonly port: number;
  /** `ws://127.0.0.1:<port>/ws`. */
  readonly wsUrl: string;
  /** Connections handed to each backend so far, by URL. */
  readonly handedOut: Map<string, number>;
  stop(): void;
}

/** Starts the balancer; resolves after the first health check of every backend. */
export async function startTcpBalancer(
  backends: Backend[],
  options: { checkMs?: number } = {},
): Promise<TcpBalancer> {
  const healthy = new Set<string>();
  const handedOut = new Map<string, number>();
  const pairs = new Set<Pair>();
  let next = 0;
  const check = async () => {
    await Promise.all(
      backends.map(async ({ url }) => {
        const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) })
          .then((r) => r.status === 200)
          .catch(() => false);
        if (ok) healthy.add(url);
        else healthy.delete(url);
      }),
    );
  };
  await check();
  const timer = setInterval(() => void check(), options.checkMs ?? DEFAULT_CHECK_MS);

  /** Backends to try for one connection: the healthy ones from the next in turn, then the others. */
  const order = (): Backend[] => {
    const start = next++;
    const rotated = backends.map((_, i) => backends[(start + i) % backends.length]!);
    return [...rotated.filter((b) => healthy.has(b.url)), ...rotated.filter((b) => !healthy.has(b.url))];
  };

  const connect = (pair: Pair, candidates: Backend[]): void => {
    const backend = candidates[0];
    if (!backend) {
      pair.client.end();
      return;
    }
    const target = new URL(backend.url);
    Bun.connect<Pair>({
      hostname: target.hostname,
      port: Number(target.port),
      socket: {
        open(upstream) {
          upstream.data = pair;
          pair.upstream = upstream;
          handedOut.set(backend.url, (handedOut.get(backend.url) ?? 0) + 1);
          for (const chunk of pair.pending) send(pair, upstream, chunk);
          pair.pending = [];
        },
        data: (_upstream, chunk) => send(pair, pair.client, chunk),
        drain: (upstream) => flush(pair, upstream),
        close() {
          pair.client.end();
          pairs.delete(pair);
        },
        error() {
          pair.client.end();
        },
      },
    }).catch(() => connect(pair, candidates.slice(1)));
  };

  const listener: TCPSocketListener<Pair> = Bun.listen<Pair>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        const pair: Pair = { client, pending: [], backlog: new Map() };
        client.data = pair;
        pairs.add(pair);
        connect(pair, order());
      },
      data(client, chunk) {
        const pair = client.data;
        if (pair.upstream) send(pair, pair.upstream, chunk);
        else pair.pending.push(new Uint8Array(chunk));
      },
      drain: (client) => flush(client.data, client),
      close(client) {
        client.data?.upstream?.end();
        if (client.data) pairs.delete(client.data);
      },
    },
  });
  return {
    port: listener.port,
    wsUrl: `ws://127.0.0.1:${listener.port}/ws`,
    handedOut,
    stop() {
      clearInterval(timer);
      listener.stop(true);
      for (const pair of pairs) {
        pair.client.end();
        pair.upstream?.end();
      }
      pairs.clear();
    },
  };
}
