/**
 * A WebSocket-shaped pair of ends inside one process: the spoke SDK on one side, the spoke gateway on the other.
 * An upstream's spoke is then an ordinary local session to the router, the catalog and the cluster (presence
 * claim, routing from other instances, `live`), with no socket and no key. Frames cross in order on the
 * microtask queue, so neither side re-enters the other.
 */
import type { Identity } from "../auth/index.ts";
import { SUBPROTOCOL } from "../protocol/index.ts";
import type { WebSocketConstructor } from "../sdk/index.ts";
import type { FrameSocket, SpokeGateway, SpokeSession } from "../spokes/index.ts";

/** A WebSocket constructor whose sockets open sessions on `gateway` as `identity`. */
export function inProcessWebSocket(gateway: SpokeGateway, identity: Identity): WebSocketConstructor {
  return class InProcessWebSocket extends EventTarget {
    readyState = 0;
    readonly protocol = SUBPROTOCOL;
    #session: SpokeSession | undefined;

    constructor(_url: string | URL, _protocols?: string | string[]) {
      super();
      queueMicrotask(() => this.#open());
    }

    send(text: string): void {
      const session = this.#session;
      if (this.readyState !== 1 || !session) throw new Error("the in-process socket is not open");
      queueMicrotask(() => {
        if (this.readyState === 1) gateway.message(session, text);
      });
    }

    close(code = 1000, reason = ""): void {
      this.#end(code, reason);
    }

    #open(): void {
      if (this.readyState !== 0) return;
      if (gateway.draining) {
        this.#end(1012, "hub restarting");
        return;
      }
      const socket: FrameSocket = {
        send: (text) => {
          if (this.readyState !== 1) return 0;
          queueMicrotask(() => {
            if (this.readyState === 1) this.dispatchEvent(new MessageEvent("message", { data: text }));
          });
          return text.length;
        },
        // Answer as a runtime answers a WebSocket ping.
        ping: () => queueMicrotask(() => this.#session && gateway.pong(this.#session)),
        close: (code, reason) => this.#end(code, reason),
      };
      this.#session = gateway.open(socket, identity);
      this.readyState = 1;
      this.dispatchEvent(new Event("open"));
    }

    #end(code: number, reason: string): void {
      if (this.readyState >= 2) return;
      this.readyState = 3;
      const session = this.#session;
      if (session) gateway.closed(session, code, reason);
      queueMicrotask(() => this.dispatchEvent(new CloseEvent("close", { code, reason, wasClean: true })));
    }
  } as unknown as WebSocketConstructor;
}
