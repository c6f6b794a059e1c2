/**
 * Public types of the spoke SDK: options, operation definitions, the call context, status events and the
 * `Spoke` handle. Runtime-neutral: nothing here touches a socket.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import type {
  Caller,
  CallLogLevel,
  HubRegisterOutput,
  OperationAnnotations,
  TraceContext,
  Visibility,
} from "../protocol/index.ts";

/** Progress of a call, in the operation's own unit. */
export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

/** Options of `spoke.call`. */
export interface CallOptions {
  /** Aborting sends `call.aborted` and rejects with `HubError` `ABORTED`. */
  signal?: AbortSignal;
  /** Rejects with `HubError` `TIMEOUT` after this many milliseconds (also sent as `deadline`). Default: the hub's. */
  timeoutMs?: number;
  /** Asks for progress and receives each `call.progress`. */
  progress?: (update: ProgressUpdate) => void;
  /** Receives each `call.log` the serving spoke sends about the call. */
  log?: (entry: { level: CallLogLevel; data: unknown; logger?: string }) => void;
  /**
   * Tries the call again after a retryable failure (`SPOKE_UNAVAILABLE`, `SPOKE_DISCONNECTED`, `SPOKE_BUSY`,
   * `RATE_LIMITED`, `UNAVAILABLE` — a hub restarting, a spoke moving between instances). Only for calls that
   * are safe to repeat (queries, idempotent mutations): the first attempt may have run before it failed.
   * `true` means the defaults. Off by default. `TIMEOUT` and `ABORTED` are never retried.
   */
  retry?: boolean | RetryOptions;
  /**
   * W3C trace context the call continues (sent as `call.requested.trace`; must be valid, or the hub refuses
   * the frame). Default: inside a handler, the handler's `ctx.trace`; elsewhere, the active OpenTelemetry span
   * when `@opentelemetry/api` is installed and the application set a context manager.
   */
  trace?: TraceContext;
}

/** How `CallOptions.retry` tries again: jittered exponential backoff, like reconnects. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  attempts?: number;
  /** Delay before the second attempt, in milliseconds. Default 100. */
  initialDelayMs?: number;
  /** Largest delay, in milliseconds. Default 2000. */
  maxDelayMs?: number;
}

/** Options of `spoke.subscribe`. */
export interface SubscribeOptions {
  /** Aborting ends the stream with `HubError` `ABORTED` and tells the hub. */
  signal?: AbortSignal;
  /** Trace context the subscription continues, as `CallOptions.trace`. */
  trace?: TraceContext;
}

/** What a handler gets besides its input. */
export interface CallContext {
  /** The hub's id for this call on this connection. */
  requestId: string;
  /** The local operation name. */
  operation: string;
  /** Aborted when the caller or hub aborts the call, the deadline passes, or the connection drops. */
  signal: AbortSignal;
  /** Who is calling: the caller's key id and its scopes, as the hub vouches. */
  caller: Caller;
  /** Epoch milliseconds after which nobody waits for the answer, when the caller set one. */
  deadline: number | undefined;
  /**
   * The W3C trace context this call continues: the spoke's own span for it when `@opentelemetry/api` is
   * installed (a child of the hub's relay span), else the context the hub sent; undefined when the call has
   * none. `ctx.call` and `ctx.subscribe` pass it on.
   */
  trace?: TraceContext;
  /**
   * Whether the caller asked for progress (`progress()` sends nothing otherwise): a handler that relays the call
   * to another system asks it for progress only then.
   */
  wantsProgress: boolean;
  /** Reports progress; a no-op unless the caller asked for progress, or after the call ended. */
  progress(progress: number, total?: number, message?: string): void;
  /**
   * Sends a log message about this call to the caller (`call.log`; MCP clients see `notifications/message`).
   * A no-op after the call ended.
   */
  log(level: CallLogLevel, data: unknown, logger?: string): void;
  /** Calls another operation through the hub, as a child of this call (`parentRequestId`). */
  call: Spoke["call"];
  /** Subscribes to another operation through the hub, as a child of this call. */
  subscribe: Spoke["subscribe"];
}

interface OperationDocs {
  description: string;
  title?: string;
  tags?: string[];
  annotations?: OperationAnnotations;
  version?: string;
}

/** A query or mutation: the handler's input type is inferred from `input`, its result from `output`. */
export interface QueryOperationDef<I extends TSchema = TSchema, O extends TSchema = TSchema>
  extends OperationDocs {
  type: "query" | "mutation";
  input: I;
  output?: O;
  handler: (input: Static<I>, ctx: CallContext) => Promise<Static<O>> | Static<O>;
}

/** A subscription: the handler yields items; each becomes one `call.responded`, then `call.completed`. */
export interface SubscriptionOperationDef<I extends TSchema = TSchema, O extends TSchema = TSchema>
  extends OperationDocs {
  type: "subscription";
  input: I;
  output?: O;
  handler: (input: Static<I>, ctx: CallContext) => AsyncIterable<Static<O>>;
}

/** One operation a spoke serves. */
export type OperationDef<I extends TSchema = TSchema, O extends TSchema = TSchema> =
  | QueryOperationDef<I, O>
  | SubscriptionOperationDef<I, O>;

/**
 * Any operation definition, whatever its schemas: the element type of collections of definitions. `any` is the
 * only common supertype of handlers whose parameter types differ (function parameters are contravariant).
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyOperationDef = OperationDef<any, any>;

/** Reconnect policy: jittered exponential backoff between `initialDelayMs` and `maxDelayMs`. */
export interface ReconnectOptions {
  /** First delay, in milliseconds. Default 250. */
  initialDelayMs?: number;
  /** Largest delay, in milliseconds. Default 5 000. */
  maxDelayMs?: number;
  /** Consecutive failed attempts after which the spoke closes with an error. Default: no limit. */
  maxAttempts?: number;
}

/** Structured logger; the project's `Logger` fits. Default: silent. */
export interface SpokeLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The standard WebSocket constructor shape (Bun additionally accepts `{ headers, protocols }`). */
export type WebSocketConstructor = new (url: string | URL, protocols?: string | string[]) => WebSocket;

/** Options of `connectSpoke`. `I` maps each local operation name to its input schema (inferred). */
export interface SpokeOptions<I extends Record<string, TSchema> = Record<string, TSchema>> {
  /** The hub's `/ws` URL, e.g. `wss://hub.example.com/ws`. Never put the key in it. */
  url: string;
  /** The API key (sent as a bearer header in Bun, otherwise as the `alkhub.bearer.` subprotocol). */
  token: string;
  /** The spoke name: one segment, not `hub`. */
  name: string;
  kind?: string;
  version?: string;
  hostInfo?: Record<string, unknown>;
  /** Local name → definition. */
  operations: { [K in keyof I]: OperationDef<I[K]> };
  /** Most calls served at once; more are answered `SPOKE_BUSY`. Default: no local limit. */
  maxConcurrency?: number;
  reconnect?: ReconnectOptions;
  /** Take the name over from another live connection of the same key. */
  takeover?: boolean;
  visibility?: Visibility;
  /** Default `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** How the key is sent. `auto` (default): header in Bun, subprotocol elsewhere. */
  auth?: "auto" | "header" | "subprotocol";
  /** Timeout of the socket opening and of `hub.register`, each, in milliseconds. Default 10 000. */
  connectTimeoutMs?: number;
  /**
   * Spans for served calls with `@opentelemetry/api`, when the process can import it (the application's
   * registered tracer provider records them). Default true; false never loads the API.
   */
  tracing?: boolean;
  logger?: SpokeLogger;
}

/** Lifecycle events, in order; `closed` is always last. */
export type SpokeStatus =
  | { type: "connecting"; attempt: number }
  | { type: "connected" }
  | { type: "registered"; registration: HubRegisterOutput; reconnected: boolean }
  | { type: "disconnected"; code: number; reason: string; willReconnect: boolean }
  | { type: "reconnecting"; attempt: number; delayMs: number }
  | { type: "draining"; source: "hub" | "local"; retryAfterMs?: number }
  | { type: "error"; error: Error }
  | { type: "closed"; error?: Error };

/** A connected spoke. */
export interface Spoke {
  /** The registered spoke name. */
  readonly name: string;
  /** The latest `hub.register` output; `undefined` while not registered. */
  readonly registration: HubRegisterOutput | undefined;
  /** Calls an operation (published name, or `hub.*`) and resolves with its output. Rejects with `HubError`. */
  call<T = unknown>(operation: string, input?: unknown, options?: CallOptions): Promise<T>;
  /** Each iteration makes one subscription call; leaving the loop early aborts it. */
  subscribe<T = unknown>(operation: string, input?: unknown, options?: SubscribeOptions): AsyncIterable<T>;
  /** Status events from now on; the iteration ends after `closed`. */
  status(): AsyncIterable<SpokeStatus>;
  /** Calls `listener` for each status event; returns the unsubscribe function. */
  onStatus(listener: (status: SpokeStatus) => void): () => void;
  /** Resolves once closed: with the error that ended the spoke, or `undefined` after `close`/`drain`. */
  closed(): Promise<Error | undefined>;
  /** Stops accepting calls, waits for in-flight work (at most `timeoutMs`, default 30 000), closes with 1000. */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Closes now: aborts in-flight handlers, rejects pending calls. */
  close(): Promise<void>;
  /**
   * Replaces the whole operation set and registers it again on the current connection (the hub swaps it
   * atomically); while reconnecting, the next registration carries it. Rejects with the hub's `HubError` (the
   * previous set stays in force) or a `SpokeOptionsError` for a bad definition.
   */
  setOperations(operations: Record<string, AnyOperationDef>): Promise<void>;
}
