/**
 * Helpers of the MCP suites: keys made straight in a test hub's store, the SDK's own `Client` over
 * `StreamableHTTPClientTransport` with a bearer key, raw JSON-RPC POSTs, and SDK spokes on the hub's `/ws`.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { createApiKey, type Scope } from "../../src/auth/index.ts";
import type { Hub } from "../../src/hub.ts";
import { type AnyOperationDef, connectSpoke, type Spoke, type SpokeOptions } from "../../src/sdk/index.ts";

/** A key made for a test: the plaintext (never printed) and its public id. */
export interface McpTestKey {
  key: string;
  id: string;
}

/** Creates an API key in `hub`'s store. Defaults: account "acme", every operation, no spoke names. */
export async function makeKey(
  hub: Pick<Hub, "store">,
  options: { scopes: Scope[]; account?: string; spokeNames?: string[]; operations?: string[] },
): Promise<McpTestKey> {
  const { key, record } = await createApiKey(hub.store, {
    account: options.account ?? "acme",
    name: `mcp-test-${crypto.randomUUID().slice(0, 8)}`,
    scopes: options.scopes,
    spokeNames: options.spokeNames,
    operations: options.operations,
  });
  return { key, id: record.id };
}

/** A connected SDK client and its transport. */
export interface McpConnection {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** The session id the hub returned at initialize. */
  sessionId: string | undefined;
  /** Resolves once the hub answered the client's GET (the stream for list_changed and other notifications). */
  streamOpen: Promise<void>;
  close(): Promise<void>;
}

/** Options of `connectMcp`. */
export interface ConnectMcpOptions {
  /** Path on the hub; default `/mcp`. */
  path?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** A fetch of the test's own (e.g. one that alternates between instances). */
  fetch?: FetchLike;
  /** Resume this session: the SDK client then skips `initialize` (as a reconnecting client does). */
  sessionId?: string;
  /** Capabilities the client announces. */
  capabilities?: ConstructorParameters<typeof Client>[1];
}

/** The SDK's `Client` connected to `baseUrl` + path with `key` as bearer (no key: no Authorization header). */
export async function connectMcp(
  baseUrl: string,
  key: string | undefined,
  options: ConnectMcpOptions = {},
): Promise<McpConnection> {
  const headers: Record<string, string> = { ...options.headers };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  const stream = Promise.withResolvers<void>();
  const inner: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const watched: FetchLike = async (url, init) => {
    const response = await inner(url, init);
    if ((init?.method ?? "GET") === "GET" && response.ok) stream.resolve();
    return response;
  };
  const transport = new StreamableHTTPClientTransport(new URL(options.path ?? "/mcp", baseUrl), {
    requestInit: { headers },
    fetch: watched,
    sessionId: options.sessionId,
    // Tests want failures, not retries of the GET stream.
    reconnectionOptions: {
      initialReconnectionDelay: 50,
      maxReconnectionDelay: 200,
      reconnectionDelayGrowFactor: 1.5,
      maxRetries: 2,
    },
  });
  const client = new Client({ name: "alkhub-mcp-test", version: "1.0.0" }, options.capabilities);
  await client.connect(transport);
  return {
    client,
    transport,
    sessionId: transport.sessionId,
    streamOpen: stream.promise,
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/** A raw POST to an MCP endpoint: the test controls every header. */
export function postMcp(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
    signal,
  });
}

/** The WebSocket URL of a hub at `baseUrl`. */
export function wsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, "ws")}/ws`;
}

/** Connects an SDK spoke to the hub with `key`; the options override the defaults (fast reconnects). */
export async function startSpoke(
  baseUrl: string,
  key: string,
  options: { name: string; operations: Record<string, AnyOperationDef> } & Partial<
    Omit<SpokeOptions, "name" | "operations">
  >,
): Promise<Spoke> {
  return connectSpoke({
    url: wsUrl(baseUrl),
    token: key,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    ...options,
  } as SpokeOptions);
}

/** A promise a test opens when it likes. */
export interface Latch {
  release(): void;
  wait: Promise<void>;
}

/** A fresh `Latch`. */
export function latch(): Latch {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { release: () => resolve(), wait: promise };
}

/** The JSON a tool result carries in its first text block. */
export function textJson(result: unknown): unknown {
  const content = (result as { content?: unknown }).content as
    | Array<{ type: string; text?: string }>
    | undefined;
  const first = content?.find((item) => item.type === "text");
  if (!first?.text) throw new Error("the tool result has no text block");
  return JSON.parse(first.text);
}
