import { hostname, networkInterfaces } from "node:os";

/** Which browser origins and Host headers /mcp and /ws accept. */
export interface OriginPolicy {
  allowedOrigins: readonly string[];
  /** Exact list of `host[:port]` (or bare host names) accepted as `Host`; empty: any Host. */
  allowedHosts: readonly string[];
}

const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"];

/**
 * The policy in force (MCP spec › transport security: DNS rebinding). `allowedHosts`, when set, is the list.
 * Otherwise only names an attacker's DNS cannot point here are accepted as `Host`: loopback names, and — when
 * the hub listens beyond loopback (`0.0.0.0` in a container) — the machine's own addresses and host name, plus
 * the host of `publicUrl` when one is configured.
 */
export function originPolicy(
  server: {
    host: string;
    publicUrl?: string;
    allowedOrigins: readonly string[];
    allowedHosts: readonly string[];
  },
  ownAddresses: () => string[] = machineAddresses,
): OriginPolicy {
  if (server.allowedHosts.length > 0) return server;
  const hosts = new Set(LOOPBACK_HOSTS);
  if (!hosts.has(server.host)) {
    for (const address of ownAddresses()) hosts.add(address.toLowerCase());
    hosts.add(bracketed(server.host.toLowerCase()));
  }
  if (server.publicUrl) {
    try {
      hosts.add(new URL(server.publicUrl).hostname.toLowerCase());
    } catch {
      // The config check reports a bad publicUrl; here it adds nothing.
    }
  }
  return { allowedOrigins: server.allowedOrigins, allowedHosts: [...hosts] };
}

/** This machine's addresses (IPv6 in brackets, as in a Host header) and its host name. */
export function machineAddresses(): string[] {
  const addresses = [hostname()];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) addresses.push(bracketed(entry.address.replace(/%.*$/, "")));
  }
  return addresses;
}

function bracketed(address: string): string {
  return address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
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
