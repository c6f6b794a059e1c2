/** Which browser origins and Host headers /mcp and /ws accept. */
export interface OriginPolicy {
  allowedOrigins: readonly string[];
  /** Empty: any Host (a hub behind a proxy with many names); otherwise an exact list of `host[:port]`. */
  allowedHosts: readonly string[];
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * The policy in force: the configured lists, except that a hub listening on a loopback address with no
 * `allowedHosts` accepts only loopback Host names — the case DNS rebinding attacks (MCP security best practice).
 */
export function originPolicy(server: {
  host: string;
  port: number;
  allowedOrigins: readonly string[];
  allowedHosts: readonly string[];
}): OriginPolicy {
  if (server.allowedHosts.length > 0 || !LOOPBACK_HOSTS.has(server.host)) return server;
  return { allowedOrigins: server.allowedOrigins, allowedHosts: [...LOOPBACK_HOSTS] };
}

/**
 * DNS-rebinding protection for /mcp and /ws (SECURITY.md): a request that carries an `Origin` (a browser)
 * must come from an allowed origin, or from the hub's own; when `allowedHosts` is set, `Host` must be in it.
 * Returns what is wrong, or undefined when the request may go on.
 */
export function checkOriginAndHost(headers: Headers, policy: OriginPolicy): string | undefined {
  const host = headers.get("host") ?? "";
  const hostName = host.replace(/:\d+$/, "").toLowerCase();
  if (
    policy.allowedHosts.length > 0 &&
    !policy.allowedHosts.includes(host.toLowerCase()) &&
    !policy.allowedHosts.includes(hostName)
  ) {
    return `host "${host}" is not in server.allowedHosts`;
  }
  const origin = headers.get("origin");
  if (origin === null) return undefined;
  if (policy.allowedOrigins.includes(origin) || policy.allowedOrigins.includes("*")) return undefined;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `origin "${origin}" is not a valid origin`;
  }
  if (originHost === host) return undefined;
  return `origin "${origin}" is not in server.allowedOrigins`;
}
