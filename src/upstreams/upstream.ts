/**
 * One upstream: a Streamable HTTP MCP server the hub dials and offers as a local spoke. In a cluster exactly one
 * instance holds it — the one whose in-process spoke won the presence claim; the others stand by, looking up the
 * claim every heartbeat, and take over when it lapses. Header values come from client secrets, opened only when
 * dialling and kept only inside the dial's headers.
 */
import type { Identity } from "../auth/index.ts";
import { ServerBridge } from "../bridge/index.ts";
import type { UpstreamConfig } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import type { Presence } from "../presence/index.ts";
import { safeUrl, sleep } from "../sdk/index.ts";
import type { SecretAddress } from "../secrets/index.ts";
import type { SpokeGateway } from "../spokes/index.ts";
import { inProcessWebSocket } from "./in-process-socket.ts";

/** What every upstream needs from the hub. */
export interface UpstreamDeps {
  gateway: SpokeGateway;
  presence: Presence;
  instanceId: string;
  /** Opens one client secret (undefined when it does not exist); throws when secrets are not configured. */
  openSecret(address: SecretAddress): Promise<string | undefined>;
  /** The id of the account named `name`, created when missing. */
  accountId(name: string): Promise<string>;
  log: Logger;
  /** How often a standby instance looks whether the holder is still there, in ms. */
  standbyPollMs: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
}

/** What operators see of an upstream. Never a header value. */
export interface UpstreamStatus {
  name: string;
  /** The URL without credentials or query. */
  url: string;
  /** Header name → the secret that fills it. */
  headers: Record<string, string>;
  /** `holding`: this instance dials it; `standby`: another instance holds it; `stopped`: removed or shut down. */
  state: "holding" | "standby" | "stopped";
  /** Whether the server is connected (on this instance). */
  connected: boolean;
  /** Operations registered from its tools (on this instance). */
  operations: number;
  /** Why the last connection attempt failed, credentials removed. */
  lastError?: string;
}

const MIN_SECRET_CHARS_TO_REDACT = 4;

/** One configured upstream, supervised from `start()` to `stop()`. */
export class Upstream {
  readonly config: UpstreamConfig;
  readonly #deps: UpstreamDeps;
  readonly #log: Logger;
  #state: UpstreamStatus["state"] = "standby";
  #bridge: ServerBridge | undefined;
  #stop = new AbortController();
  #loop: Promise<void> | undefined;
  /** The header values of the latest dial, to scrub from error texts. */
  #secretValues: string[] = [];

  constructor(config: UpstreamConfig, deps: UpstreamDeps) {
    this.config = config;
    this.#deps = deps;
    this.#log = deps.log.child({ upstream: config.name });
  }

  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) =>
      this.#log.error("upstream supervisor failed", { error: this.#redact(String(error)) }),
    );
  }

  async stop(): Promise<void> {
    this.#state = "stopped";
    this.#stop.abort();
    await this.#loop;
  }

  status(): UpstreamStatus {
    const bridge = this.#bridge;
    const error = bridge?.serverError;
    return {
      name: this.config.name,
      url: safeUrl(this.config.url),
      headers: Object.fromEntries(Object.entries(this.config.headers).map(([h, v]) => [h, v.secret])),
      state: this.#state,
      connected: bridge?.serverUp ?? false,
      operations: bridge?.operations.length ?? 0,
      ...(error === undefined ? {} : { lastError: error }),
    };
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      if (await this.#heldElsewhere()) {
        this.#state = "standby";
        await sleep(this.#deps.standbyPollMs * (0.5 + Math.random() / 2), signal);
        continue;
      }
      if (signal.aborted) break;
      this.#state = "holding";
      const taken = Promise.withResolvers<void>();
      const bridge = await this.#bridgeFor(() => taken.resolve());
      this.#bridge = bridge;
      await bridge.start();
      const stopped = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      await Promise.race([taken.promise, stopped]);
      await bridge.close();
      this.#bridge = undefined;
      if (!signal.aborted) this.#log.info("another instance holds the upstream; standing by");
    }
    this.#state = "stopped";
  }

  async #heldElsewhere(): Promise<boolean> {
    try {
      const [holder] = await this.#deps.presence.lookup([this.config.name]);
      return holder !== undefined && holder.instanceId !== this.#deps.instanceId;
    } catch {
      return true; // presence cannot be read (Redis down): holding now could make two holders
    }
  }

  async #bridgeFor(onNameTaken: () => void): Promise<ServerBridge> {
    const { config } = this;
    const identity: Identity = {
      keyId: `upstream:${config.name}`,
      accountId: await this.#deps.accountId(config.account),
      accountName: config.account,
      scopes: ["spoke"],
      spokeNames: [config.name],
      operations: [],
      expiresAt: null,
    };
    return new ServerBridge({
      name: config.name,
      kind: "mcp-upstream",
      visibility: config.visibility,
      target: { kind: "http", url: config.url, headers: () => this.#headers() },
      hub: {
        url: "ws://in-process/ws",
        token: "in-process",
        WebSocket: inProcessWebSocket(this.#deps.gateway, identity),
      },
      log: this.#log,
      redact: (text) => this.#redact(text),
      onNameTaken,
      pingIntervalMs: config.pingIntervalMs,
      ...(this.#deps.reconnect ? { reconnect: this.#deps.reconnect } : {}),
    });
  }

  /** The headers of one dial: each secret opened now; errors name the header and secret, never a value. */
  async #headers(): Promise<Record<string, string>> {
    const { config } = this;
    const client = config.client ?? config.name;
    const headers: Record<string, string> = {};
    const values: string[] = [];
    for (const [header, { secret, prefix }] of Object.entries(config.headers)) {
      let value: string | undefined;
      try {
        value = await this.#deps.openSecret({ account: config.account, client, name: secret });
      } catch (error) {
        throw new Error(
          `header ${header}: client secret ${config.account}/${client}/${secret} cannot be opened (${(error as Error).message})`,
        );
      }
      if (value === undefined) {
        throw new Error(
          `header ${header}: no client secret ${config.account}/${client}/${secret} (set it with 'alkhub secrets set')`,
        );
      }
      values.push(value);
      headers[header] = `${prefix ?? ""}${value}`;
    }
    this.#secretValues = values;
    return headers;
  }

  #redact(text: string): string {
    let out = text;
    for (const value of this.#secretValues) {
      if (value.length >= MIN_SECRET_CHARS_TO_REDACT) out = out.split(value).join("[redacted]");
    }
    return out;
  }
}
