/**
 * The spoke: one reconnect loop around a current `HubConnection`, plus connections retiring after
 * `hub.draining`. Phases only move forward (`starting → running → draining → closed`), except that `running`
 * survives any number of reconnects.
 */
import type { TSchema } from "@sinclair/typebox";
import { CLOSE_CODES, HubError, type HubRegisterInput, type HubRegisterOutput } from "../protocol/index.ts";
import { type BackoffPolicy, backoffDelayMs, backoffPolicy, drainDelayMs, sleep } from "./backoff.ts";
import { HubConnection } from "./connection.ts";
import { buildOperationSpecs } from "./define.ts";
import { SpokeConnectionError, SpokeOptionsError } from "./errors.ts";
import { ConcurrencyGate } from "./gate.ts";
import { activeTrace, loadOtelApi, type OtelApi } from "./otel.ts";
import { withRetry } from "./retry.ts";
import { openSocket } from "./socket.ts";
import { StatusEmitter } from "./status.ts";
import type {
  AnyOperationDef,
  CallOptions,
  Spoke,
  SpokeLogger,
  SpokeOptions,
  SpokeStatus,
  SubscribeOptions,
} from "./types.ts";

/** Timeout of opening the socket and of `hub.register`, each, in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Longest `drain()` waits for in-flight work, in milliseconds. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

const SILENT: SpokeLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Close codes after which reconnecting cannot help: the spoke ends with an error. */
function fatalClose(code: number, reason: string, name: string): SpokeConnectionError | undefined {
  const why: Record<number, string> = {
    [CLOSE_CODES.KEY_REVOKED]: "the API key was revoked or has expired",
    [CLOSE_CODES.FORBIDDEN]: "the API key may not do this",
    [CLOSE_CODES.TAKEN_OVER]: `another connection took over the spoke name "${name}"`,
  };
  const text = why[code];
  if (text === undefined) return undefined;
  return new SpokeConnectionError(`${text} (close ${code}${reason ? `: ${reason}` : ""})`, {
    closeCode: code,
  });
}

function isFatal(error: unknown, name: string): boolean {
  if (error instanceof HubError) return error.code === "ACCESS_DENIED" || error.code === "VALIDATION_ERROR";
  return error instanceof SpokeConnectionError && error.closeCode !== undefined
    ? fatalClose(error.closeCode, "", name) !== undefined
    : false;
}

/**
 * Connects, registers and starts serving. Resolves once registered; rejects with the hub's `HubError`
 * (e.g. `NAME_TAKEN`), a `SpokeConnectionError` or a `SpokeOptionsError` if the first attempt fails.
 */
export async function connectSpoke<I extends Record<string, TSchema>>(
  options: SpokeOptions<I>,
): Promise<Spoke> {
  const otel = options.tracing === false ? undefined : await loadOtelApi();
  const spoke = new SpokeClient(options as unknown as SpokeOptions, otel);
  await spoke.start();
  return spoke;
}

function replaceEntries<K, V>(map: Map<K, V>, entries: Iterable<[K, V]>): void {
  map.clear();
  for (const [key, value] of entries) map.set(key, value);
}

class SpokeClient implements Spoke {
  readonly name: string;
  #options: SpokeOptions;
  #register: HubRegisterInput;
  #operations: Map<string, AnyOperationDef>;
  #policy: BackoffPolicy;
  #status: StatusEmitter;
  #gate: ConcurrencyGate;
  #logger: SpokeLogger;
  /** `@opentelemetry/api`, when the process has it and tracing is not turned off. */
  readonly #otel: OtelApi | undefined;
  #phase: "starting" | "running" | "draining" | "closed" = "starting";
  #current: HubConnection | undefined;
  #retiring = new Set<HubConnection>();
  #registration: HubRegisterOutput | undefined;
  #stop = new AbortController();
  #closed: Promise<Error | undefined>;
  #resolveClosed: (result: Error | undefined) => void = () => {};

  constructor(options: SpokeOptions, otel?: OtelApi) {
    this.#otel = otel;
    if (typeof options.url !== "string" || !/^wss?:\/\//.test(options.url)) {
      throw new SpokeOptionsError("options.url must be a ws:// or wss:// URL");
    }
    if (typeof options.token !== "string" || options.token.length === 0) {
      throw new SpokeOptionsError("options.token must be a non-empty API key");
    }
    const max = options.maxConcurrency;
    if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
      throw new SpokeOptionsError("options.maxConcurrency must be an integer ≥ 1");
    }
    this.name = options.name;
    this.#options = options;
    this.#operations = new Map(Object.entries(options.operations));
    const specs = buildOperationSpecs(options.name, options.operations);
    this.#register = { name: options.name, operations: specs };
    for (const key of ["kind", "version", "hostInfo", "maxConcurrency", "takeover", "visibility"] as const) {
      if (options[key] !== undefined) Object.assign(this.#register, { [key]: options[key] });
    }
    this.#policy = backoffPolicy(options.reconnect);
    this.#logger = options.logger ?? SILENT;
    this.#status = new StatusEmitter(this.#logger);
    this.#gate = new ConcurrencyGate(max);
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  get registration(): HubRegisterOutput | undefined {
    return this.#registration;
  }

  /** First connection; failure ends the spoke and is rethrown. */
  async start(): Promise<void> {
    try {
      await this.#connectOnce(1, false);
    } catch (error) {
      this.#finish(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    this.#phase = "running";
    void this.#loop().catch((error: unknown) =>
      this.#finish(error instanceof Error ? error : new Error(String(error))),
    );
  }

  call<T = unknown>(operation: string, input?: unknown, options?: CallOptions): Promise<T> {
    const once = () => {
      const refusal = this.#refusal();
      if (refusal) return Promise.reject(refusal);
      const trace = options?.trace ?? activeTrace(this.#otel);
      return (this.#current as HubConnection).pending.call(
        operation,
        input,
        options,
        undefined,
        trace,
      ) as Promise<T>;
    };
    return options?.retry ? withRetry(once, options.retry, options.signal) : once();
  }

  subscribe<T = unknown>(operation: string, input?: unknown, options?: SubscribeOptions): AsyncIterable<T> {
    return {
      [Symbol.asyncIterator]: () => {
        const refusal = this.#refusal();
        if (refusal) return { next: () => Promise.reject(refusal) };
        const trace = options?.trace ?? activeTrace(this.#otel);
        const stream = (this.#current as HubConnection).pending.subscribe(
          operation,
          input,
          options,
          undefined,
          trace,
        );
        return stream[Symbol.asyncIterator]() as AsyncIterator<T>;
      },
    };
  }

  status(): AsyncIterable<SpokeStatus> {
    return this.#status.iterate();
  }

  onStatus(listener: (status: SpokeStatus) => void): () => void {
    return this.#status.on(listener);
  }

  closed(): Promise<Error | undefined> {
    return this.#closed;
  }

  async drain(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#phase === "closed" || this.#phase === "draining") {
      await this.#closed;
      return;
    }
    this.#phase = "draining";
    this.#status.emit({ type: "draining", source: "local" });
    this.#stop.abort();
    const connections = this.#connections();
    for (const connection of connections) connection.served.stopAccepting();
    const timeout = new AbortController();
    await Promise.race([
      Promise.all(connections.map((connection) => connection.idle())),
      sleep(options.timeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS, timeout.signal),
    ]);
    timeout.abort();
    this.#finish(undefined);
  }

  async close(): Promise<void> {
    this.#finish(undefined);
  }

  async setOperations(operations: Record<string, AnyOperationDef>): Promise<void> {
    if (this.#phase === "closed") throw new HubError("UNAVAILABLE", `spoke "${this.name}" is closed`);
    const specs = buildOperationSpecs(this.name, operations);
    const previous = { register: this.#register, operations: new Map(this.#operations) };
    // Swapped before registering: calls for the new operations may arrive before the hub's answer does.
    this.#register = { ...this.#register, operations: specs };
    replaceEntries(this.#operations, Object.entries(operations));
    const connection = this.#current;
    if (!connection) return; // the next connection registers the new set
    try {
      const registration = await connection.register(
        this.#register,
        this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      );
      if (this.#current === connection) this.#registration = registration;
      this.#status.emit({ type: "registered", registration, reconnected: false });
    } catch (error) {
      this.#register = previous.register;
      replaceEntries(this.#operations, previous.operations);
      throw error;
    }
  }

  #refusal(): HubError | undefined {
    if (this.#phase === "closed") return new HubError("UNAVAILABLE", `spoke "${this.name}" is closed`);
    if (this.#phase === "draining") return new HubError("UNAVAILABLE", `spoke "${this.name}" is draining`);
    if (!this.#current) return new HubError("SPOKE_DISCONNECTED", "not connected to the hub (reconnecting)");
    return undefined;
  }

  #connections(): HubConnection[] {
    return [...(this.#current ? [this.#current] : []), ...this.#retiring];
  }

  async #connectOnce(attempt: number, reconnected: boolean): Promise<void> {
    this.#status.emit({ type: "connecting", attempt });
    const timeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const ws = await openSocket({
      url: this.#options.url,
      token: this.#options.token,
      auth: this.#options.auth ?? "auto",
      WebSocket: this.#options.WebSocket,
      timeoutMs,
      signal: this.#stop.signal,
    });
    const connection = new HubConnection(ws, {
      spokeName: this.name,
      operations: this.#operations,
      gate: this.#gate,
      logger: this.#logger,
      otel: this.#otel,
      onError: (error) => this.#status.emit({ type: "error", error }),
    });
    this.#status.emit({ type: "connected" });
    let registration: HubRegisterOutput;
    try {
      registration = await connection.register(this.#register, timeoutMs);
      if (this.#stop.signal.aborted) throw new SpokeConnectionError("the spoke was closed while registering");
    } catch (error) {
      // A hub that refuses the key or name by closing (4401/4403) must end the spoke, not look like a drop.
      const end = connection.closedWith;
      const fatal = end && fatalClose(end.code, end.reason, this.name);
      connection.close(CLOSE_CODES.NORMAL, "registration failed");
      throw fatal ?? error;
    }
    this.#current = connection;
    this.#registration = registration;
    this.#status.emit({ type: "registered", registration, reconnected });
  }

  /** The one reconnect loop: waits for the current connection to end or drain, then reconnects. */
  async #loop(): Promise<void> {
    while (this.#phase === "running" && this.#current) {
      const connection = this.#current;
      const end = await Promise.race([
        connection.ended.then((socket) => ({ kind: "closed" as const, ...socket })),
        connection.drainNotice.then((retryAfterMs) => ({ kind: "draining" as const, retryAfterMs })),
      ]);
      if (this.#phase !== "running") return;
      this.#current = undefined;
      this.#registration = undefined;
      let firstDelayMs: number | undefined;
      if (end.kind === "closed") {
        const fatal = fatalClose(end.code, end.reason, this.name);
        this.#status.emit({
          type: "disconnected",
          code: end.code,
          reason: end.reason,
          willReconnect: !fatal,
        });
        if (fatal) return this.#finish(fatal);
      } else {
        this.#retire(connection);
        this.#status.emit({ type: "draining", source: "hub", retryAfterMs: end.retryAfterMs });
        firstDelayMs = drainDelayMs(end.retryAfterMs);
      }
      await this.#reconnect(firstDelayMs);
    }
  }

  async #reconnect(firstDelayMs: number | undefined): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; this.#phase === "running"; attempt++) {
      if (attempt > this.#policy.maxAttempts) {
        const message = `gave up reconnecting after ${this.#policy.maxAttempts} attempts`;
        return this.#finish(new SpokeConnectionError(message, { cause: lastError }));
      }
      const delayMs =
        attempt === 1 && firstDelayMs !== undefined ? firstDelayMs : backoffDelayMs(attempt, this.#policy);
      this.#status.emit({ type: "reconnecting", attempt, delayMs });
      await sleep(delayMs, this.#stop.signal);
      if (this.#phase !== "running") return;
      try {
        await this.#connectOnce(attempt, true);
        return;
      } catch (error) {
        if (this.#phase !== "running") return;
        if (isFatal(error, this.name)) return this.#finish(error as Error);
        lastError = error;
        this.#status.emit({
          type: "error",
          error: error instanceof Error ? error : new Error(String(error)),
        });
      }
    }
  }

  /** After `hub.draining`: in-flight work finishes on the old socket, which then closes with 1000. */
  #retire(connection: HubConnection): void {
    this.#retiring.add(connection);
    connection.served.stopAccepting();
    void connection.idle().then(() => connection.close(CLOSE_CODES.NORMAL, "drained"));
    void connection.ended.then(() => this.#retiring.delete(connection));
  }

  #finish(error: Error | undefined): void {
    if (this.#phase === "closed") return;
    this.#phase = "closed";
    this.#stop.abort();
    for (const connection of this.#connections()) connection.close(CLOSE_CODES.NORMAL, "spoke closed");
    this.#current = undefined;
    this.#registration = undefined;
    this.#retiring.clear();
    this.#status.emit(error === undefined ? { type: "closed" } : { type: "closed", error });
    this.#resolveClosed(error);
  }
}
