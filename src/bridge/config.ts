/**
 * `alkhub bridge --config bridge.json`: several MCP servers in one process, one hub connection per server name.
 * File paths in it are relative to the file. Secrets are never in it: the hub key, the children's environments
 * and HTTP headers come from files it names.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ConfigError } from "../errors.ts";
import { validateSpokeName } from "../protocol/index.ts";
import { readEnvFile, readHeaderFile, readKeyFile } from "./files.ts";
import type { McpTarget } from "./mcp-link.ts";

const closed = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

const StdioServer = closed({
  command: Type.String({ minLength: 1 }),
  args: Type.Optional(Type.Array(Type.String())),
  /** `KEY=value` lines: the child's environment (besides HOME, PATH, USER, SHELL, TERM, LOGNAME). */
  envFile: Type.Optional(Type.String({ minLength: 1 })),
  cwd: Type.Optional(Type.String({ minLength: 1 })),
});

const HttpServer = closed({
  /** A Streamable HTTP MCP endpoint. */
  url: Type.String({ pattern: "^https?://" }),
  /** `Name: value` lines sent as HTTP headers (e.g. `Authorization: Bearer …`). */
  headerFile: Type.Optional(Type.String({ minLength: 1 })),
});

/** The file's shape. */
export const BridgeConfigSchema = closed({
  $schema: Type.Optional(Type.String()),
  hub: closed({
    /** The hub's `/ws` URL. */
    url: Type.String({ pattern: "^wss?://" }),
    /** A file holding the API key (scope `spoke`, spoke names allowing every server name). */
    keyFile: Type.String({ minLength: 1 }),
  }),
  /** Spoke name → server. */
  servers: Type.Record(Type.String(), Type.Union([StdioServer, HttpServer])),
  initializeTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type BridgeConfig = Static<typeof BridgeConfigSchema>;

/** One server to bridge, resolved: its spoke name and where it is. */
export interface BridgedServer {
  name: string;
  target: McpTarget;
}

/** What the bridge runs: the hub, its key, the servers. */
export interface BridgePlan {
  hubUrl: string;
  token: string;
  servers: BridgedServer[];
  initializeTimeoutMs?: number;
  /** Files holding secrets that others can read (worth a warning). */
  secretFiles: string[];
}

/** Reads and checks a bridge config file; errors name the file and the JSON path. */
export function loadBridgeConfig(path: string): BridgePlan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read the bridge config ${path}: ${(error as Error).message}`);
  }
  const first = Value.Errors(BridgeConfigSchema, parsed).First();
  if (first) throw new ConfigError(`${path}: ${first.path || "/"}: ${first.message}`);
  const config = parsed as BridgeConfig;
  const base = dirname(resolve(path));
  const at = (file: string) => resolve(base, file);
  const servers: BridgedServer[] = [];
  const secretFiles = [at(config.hub.keyFile)];
  for (const [name, server] of Object.entries(config.servers)) {
    const check = validateSpokeName(name);
    if (!check.ok) throw new ConfigError(`${path}: /servers/${name}: ${check.error}`);
    if ("command" in server) {
      if (server.envFile) secretFiles.push(at(server.envFile));
      servers.push({
        name,
        target: {
          kind: "stdio",
          command: server.command,
          args: server.args ?? [],
          ...(server.envFile ? { env: readEnvFile(at(server.envFile)) } : {}),
          ...(server.cwd ? { cwd: at(server.cwd) } : {}),
        },
      });
    } else {
      const headers = server.headerFile ? readHeaderFile(at(server.headerFile)) : {};
      if (server.headerFile) secretFiles.push(at(server.headerFile));
      servers.push({ name, target: { kind: "http", url: server.url, headers: async () => headers } });
    }
  }
  if (servers.length === 0) throw new ConfigError(`${path}: /servers: name at least one server`);
  return {
    hubUrl: config.hub.url,
    token: readKeyFile(at(config.hub.keyFile)),
    servers,
    ...(config.initializeTimeoutMs ? { initializeTimeoutMs: config.initializeTimeoutMs } : {}),
    secretFiles,
  };
}
