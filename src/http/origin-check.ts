/**
 * DNS-rebinding protection for /mcp and /ws (SECURITY.md): a request that carries an `Origin` (a browser)
 * must come from an allowed origin, or from the hub's own; when `allowedHosts` is set, `Host` must be in it.
 * Returns what is wrong, or undefined when the request may go on.
 */
export function checkOriginAndHost(
  headers: Headers,
  policy: { allowedOrigins: readonly string[]; allowedHosts: readonly string[] },
): string | undefined {
  const host = headers.get("host") ?? "";
  if (policy.allowedHosts.length > 0 && !policy.allowedHosts.includes(host.toLowerCase())) {
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
