/**
 * How the Redis bus reaches Redis: the input type the lead maps config onto, its translation into node-redis
 * client options, and the helpers that keep credentials out of every message.
 */
import type { RedisClientOptions } from "@redis/client";
import { ConfigError } from "../errors.ts";

/** Where Redis is: either a `redis://` / `rediss://` URL, or its parts. */
export type RedisOptions =
  | {
      /** `redis[s]://[[username][:password]@]host[:port][/db]`; may hold a password, so it is never logged. */
      url: string;
    }
  | {
      host: string;
      /** Default 6379. */
      port?: number;
      username?: string;
      password?: string;
      /** Database number for SELECT; default 0. */
      db?: number;
      /** Connect with TLS; default false. */
      tls?: boolean;
    };

/**
 * The longest wait between two reconnect attempts (before jitter halves it at random). Cross-instance calls must
 * resume within 2 s of Redis's return (docs/reliability.md); with a 2 s cap the attempt after a long outage could
 * itself come up to 2 s late (seen: calls resumed 2.2 s after the return on a busy box). A refused connect costs
 * Redis next to nothing, so even many instances retrying once or twice a second are cheap.
 */
export const MAX_RECONNECT_DELAY_MS = 1000;
/** The first wait between reconnect attempts; it doubles on each failure up to {@link MAX_RECONNECT_DELAY_MS}. */
export const BASE_RECONNECT_DELAY_MS = 50;

const DEFAULT_REDIS_PORT = 6379;

/**
 * The wait before reconnect attempt `retries` (0-based): exponential, capped, with "equal jitter" (half fixed,
 * half random) so that many instances losing the same Redis do not all reconnect in the same millisecond.
 */
export function reconnectDelayMs(retries: number): number {
  const ceiling = Math.min(BASE_RECONNECT_DELAY_MS * 2 ** Math.min(retries, 20), MAX_RECONNECT_DELAY_MS);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** `host:port` of the target, safe to show anywhere (it never carries credentials). */
export function describeTarget(opts: RedisOptions): string {
  if ("url" in opts) {
    const url = parseRedisUrl(opts.url);
    return `${url.hostname}:${url.port || DEFAULT_REDIS_PORT}`;
  }
  return `${opts.host}:${opts.port ?? DEFAULT_REDIS_PORT}`;
}

/** `text` with the URL and password of `opts` cut out, for messages built from errors Redis or the OS gave us. */
export function scrubCredentials(text: string, opts: RedisOptions): string {
  const secrets: string[] = [];
  if ("url" in opts) {
    secrets.push(opts.url);
    const password = URL.canParse(opts.url) ? new URL(opts.url).password : "";
    if (password) secrets.push(password, decodeURIComponent(password));
  } else if (opts.password) {
    secrets.push(opts.password);
  }
  let out = text;
  // Longest first, so the whole URL goes before the password inside it.
  for (const secret of secrets.sort((a, b) => b.length - a.length))
    out = out.replaceAll(secret, "[redacted]");
  return out;
}

/** The node-redis options (without the socket's timing parts) that reach `opts`. */
export function toClientOptions(opts: RedisOptions): RedisClientOptions {
  if ("url" in opts) {
    parseRedisUrl(opts.url);
    return { url: opts.url };
  }
  if (!opts.host) throw new ConfigError("Redis host is empty");
  const port = opts.port ?? DEFAULT_REDIS_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`Redis port must be an integer from 1 to 65535, got ${port}`);
  }
  if (opts.db !== undefined && (!Number.isInteger(opts.db) || opts.db < 0)) {
    throw new ConfigError(`Redis db must be a non-negative integer, got ${opts.db}`);
  }
  const socket = opts.tls ? { host: opts.host, port, tls: true as const } : { host: opts.host, port };
  return {
    socket,
    ...(opts.username === undefined ? {} : { username: opts.username }),
    ...(opts.password === undefined ? {} : { password: opts.password }),
    ...(opts.db === undefined ? {} : { database: opts.db }),
  };
}

function parseRedisUrl(text: string): URL {
  // The URL itself may hold a password: the error names the problem, never the value.
  if (!URL.canParse(text)) throw new ConfigError("Redis url is not a valid URL");
  const url = new URL(text);
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new ConfigError(`Redis url must start with redis:// or rediss://, got ${url.protocol}//`);
  }
  if (!url.hostname) throw new ConfigError("Redis url has no host");
  return url;
}
