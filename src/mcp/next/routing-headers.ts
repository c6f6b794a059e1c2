import { errorAnswer, HEADER_MISMATCH, type NextRequest } from "./wire.ts";

/** Methods whose body names what they act on, and which member carries the name (SEP-2243, SEP-2663). */
const NAME_MEMBER: Record<string, string> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

/**
 * The routing headers an intermediary may route on must say what the body says (SEP-2243): `Mcp-Method` on every
 * request, `Mcp-Name` on requests that name a tool, prompt, resource or task. A missing or different header is
 * refused (400, -32020), so a proxy that routed on the header never serves a different request than it saw.
 * Header names are case-insensitive, values exact after trimming optional whitespace (RFC 9110 §5.5).
 */
export function checkRoutingHeaders(request: Request, next: NextRequest): Response | undefined {
  const method = request.headers.get("mcp-method")?.trim();
  if (method === undefined) return mismatch(next, "Mcp-Method header missing");
  if (method !== next.method)
    return mismatch(next, `Mcp-Method header "${clip(method)}" differs from the body's method`);
  const member = NAME_MEMBER[next.method];
  const bodyName = member === undefined ? undefined : next.params[member];
  if (typeof bodyName !== "string") return undefined;
  const name = request.headers.get("mcp-name")?.trim();
  if (name === undefined)
    return mismatch(next, `Mcp-Name header missing (the body names "${clip(bodyName)}")`);
  if (name !== bodyName)
    return mismatch(next, `Mcp-Name header "${clip(name)}" differs from params.${member}`);
  return undefined;
}

/**
 * Custom headers a tool asks for (`x-mcp-header` on an input property, SEP-2243): each argument with such a
 * property must also travel as `Mcp-Param-<header>`, literally or Base64 as `=?base64?<value>?=`, and say the same
 * thing. An invalid Base64 value, a missing header or a different value is refused (400, -32020).
 */
export function checkParamHeaders(
  request: Request,
  next: NextRequest,
  inputSchema: unknown,
  args: Record<string, unknown>,
): Response | undefined {
  const properties = (inputSchema as { properties?: unknown } | undefined)?.properties;
  if (typeof properties !== "object" || properties === null) return undefined;
  for (const [param, schema] of Object.entries(properties as Record<string, unknown>)) {
    const header = (schema as { "x-mcp-header"?: unknown } | null)?.["x-mcp-header"];
    if (typeof header !== "string" || !(param in args)) continue;
    const value = args[param];
    if (value === null || typeof value === "object") continue;
    const raw = request.headers.get(`mcp-param-${header}`)?.trim();
    if (raw === undefined)
      return mismatch(next, `Mcp-Param-${header} header missing (argument "${param}" is set)`);
    const decoded = decodeParamHeader(raw);
    if (decoded === undefined) return mismatch(next, `Mcp-Param-${header} header is not valid Base64`);
    if (decoded !== String(value))
      return mismatch(next, `Mcp-Param-${header} header differs from argument "${param}"`);
  }
  return undefined;
}

const BASE64_WRAPPED = /^=\?base64\?(.*)\?=$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A header value as sent: `=?base64?…?=` decoded (undefined when not valid Base64), anything else literal. */
export function decodeParamHeader(raw: string): string | undefined {
  const wrapped = BASE64_WRAPPED.exec(raw);
  if (!wrapped) return raw;
  const encoded = wrapped[1] as string;
  if (!BASE64.test(encoded)) return undefined;
  return Buffer.from(encoded, "base64").toString("utf8");
}

function mismatch(next: NextRequest, message: string): Response {
  return errorAnswer(next.id, 400, HEADER_MISMATCH, `Header mismatch: ${message}`);
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
