/**
 * One relayed TCP connection for the test proxies (tcp-proxy.ts, tcp-balancer.ts): the client socket, the
 * upstream one once connected, bytes the client sent before that, and writes a socket did not take yet.
 */
import type { Socket } from "bun";

export interface Pair {
  client: Socket<Pair>;
  upstream?: Socket<Pair>;
  pending: Uint8Array[];
  /** Bytes a socket did not take yet (Bun's write may be partial), flushed on `drain`. */
  backlog: Map<Socket<Pair>, Uint8Array[]>;
}

/** Writes `chunk` to `socket`, queueing what it does not take (flushed by `flush` on `drain`). */
export function send(pair: Pair, socket: Socket<Pair>, chunk: Uint8Array): void {
  const queued = pair.backlog.get(socket);
  if (queued && queued.length > 0) {
    queued.push(new Uint8Array(chunk));
    return;
  }
  const written = socket.write(chunk);
  if (written < chunk.byteLength) pair.backlog.set(socket, [chunk.slice(Math.max(written, 0))]);
}

/** Writes what `socket` did not take before; call it from the socket's `drain` handler. */
export function flush(pair: Pair, socket: Socket<Pair>): void {
  const queued = pair.backlog.get(socket);
  while (queued && queued.length > 0) {
    const chunk = queued[0]!;
    const written = socket.write(chunk);
    if (written < chunk.byteLength) {
      queued[0] = chunk.slice(Math.max(written, 0));
      return;
    }
    queued.shift();
  }
}
