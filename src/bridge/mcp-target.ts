/** Where an MCP server is, and the SDK transport that reaches it: a stdio child or a Streamable HTTP URL. */
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { safeUrl } from "../sdk/index.ts";
import { ChildStdioTransport } from "./child-stdio-transport.ts";

/** Where the MCP server is. `headers` is called at every dial, so secrets are read (and decrypted) only then. */
export type McpTarget =
  | { kind: "stdio"; command: string; args: string[]; env?: Record<string, string>; cwd?: string }
  | { kind: "http"; url: string; headers?: () => Promise<Record<string, string>> };

/**
 * A new transport for `target`. A stdio child gets only the SDK's safe default environment (HOME, LOGNAME, PATH,
 * SHELL, TERM, USER) plus `target.env`; its stderr is handed to `onStderr` chunk by chunk. HTTP headers are
 * produced now, for this connection only.
 */
export async function openTransport(
  target: McpTarget,
  onStderr: (chunk: string) => void,
): Promise<Transport> {
  if (target.kind === "http") {
    const headers = target.headers ? await target.headers() : {};
    return new StreamableHTTPClientTransport(new URL(target.url), { requestInit: { headers } });
  }
  return new ChildStdioTransport({
    command: target.command,
    args: target.args,
    env: { ...getDefaultEnvironment(), ...target.env },
    ...(target.cwd === undefined ? {} : { cwd: target.cwd }),
    onStderr,
  });
}

/** The target for logs and errors: the command, or the URL without credentials or query. */
export function describeTarget(target: McpTarget): string {
  return target.kind === "stdio" ? `command ${JSON.stringify(target.command)}` : safeUrl(target.url);
}
