import { resolve } from "node:path";
import {
  type BridgePlan,
  loadBridgeConfig,
  readableByOthers,
  readEnvFile,
  readHeaderFile,
  readKeyFile,
  startBridge,
} from "../bridge/index.ts";
import { EXIT_CODES, UsageError } from "../errors.ts";
import { createLogger, type LogLevel } from "../log/index.ts";
import { validateSpokeName } from "../protocol/index.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";

const HELP = `Usage:
  alkhub bridge --url <hub /ws URL> --key-file <file> --name <spoke> [--env-file <file>] [--cwd <dir>] -- <command> [args…]
  alkhub bridge --url <hub /ws URL> --key-file <file> --name <spoke> --upstream <http(s) URL> [--header-file <file>]
  alkhub bridge --config <bridge.json>

Offers an existing MCP server's tools as a spoke: each tool becomes the operation <spoke>.<tool> (schemas,
title, description and annotations carried over; names that are not valid operation names are encoded, see
docs/upstreams.md). The first form starts the server as a child process and speaks MCP over its stdin/stdout;
the second dials a Streamable HTTP server; the third runs several servers from one file, one hub connection per
server name, each supervised on its own. Progress, cancellation, log messages, isError results and
structuredContent pass through; tools/list_changed registers the spoke again; a child that dies is restarted
with backoff (its stderr goes to this log). Runs until SIGINT or SIGTERM.

Nothing secret goes on the command line or in this process's environment: the API key is read from
--key-file, the child's environment from --env-file (KEY=value lines; the child gets only HOME, PATH, USER,
SHELL, TERM, LOGNAME besides), HTTP headers from --header-file ("Name: value" lines).

Options:
  --url <url>                  the hub's /ws URL (ws:// or wss://)
  --key-file <file>            a file holding the API key (scope spoke; its spoke names must allow --name)
  --name <spoke>               the spoke name (one segment, not "hub")
  --env-file <file>            the child's environment
  --cwd <dir>                  the child's working directory
  --upstream <url>             a Streamable HTTP MCP server instead of a command
  --header-file <file>         HTTP headers for --upstream
  --config <file>              a bridge.json (see docs/upstreams.md); excludes the options above
  --initialize-timeout <ms>    how long a server may take to initialize (default 30000)
  --log-level <level>          debug, info, warn or error (default info)
  -h, --help                   show this help

Exit codes: 0 stopped by a signal · 64 bad usage · 78 a file or the config is wrong.`;

export const bridgeCommand: Command = {
  name: "bridge",
  summary: "offer an MCP server (stdio command or Streamable HTTP URL) as a spoke",
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("bridge", argv, {
      url: { type: "string" },
      "key-file": { type: "string" },
      name: { type: "string" },
      "env-file": { type: "string" },
      cwd: { type: "string" },
      upstream: { type: "string" },
      "header-file": { type: "string" },
      config: { type: "string" },
      "initialize-timeout": { type: "string" },
      "log-level": { type: "string" },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT_CODES.OK;
    }
    const level = (values["log-level"] ?? "info") as LogLevel;
    if (!["debug", "info", "warn", "error"].includes(level)) {
      throw new UsageError(`alkhub bridge: --log-level must be debug, info, warn or error, got "${level}"`);
    }
    const plan =
      values.config === undefined ? planFromFlags(values, positionals) : planFromConfig(values, positionals);
    const log = createLogger({ level, context: { component: "bridge" } });
    for (const file of plan.secretFiles) {
      if (readableByOthers(file)) log.warn("a file holding secrets is readable by group or others", { file });
    }
    const bridge = await startBridge(plan, log);
    await new Promise<void>((done) => {
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
    log.info("stopping");
    await bridge.close();
    return EXIT_CODES.OK;
  },
};

type Flags = Record<string, string | boolean | undefined>;

function planFromConfig(values: Flags, positionals: string[]): BridgePlan {
  const conflicting = ["url", "key-file", "name", "env-file", "cwd", "upstream", "header-file"].filter(
    (flag) => values[flag] !== undefined,
  );
  if (conflicting.length > 0 || positionals.length > 0) {
    throw new UsageError(
      `alkhub bridge: --config excludes ${conflicting.map((f) => `--${f}`).join(", ") || "a command"}`,
    );
  }
  const plan = loadBridgeConfig(values.config as string);
  const timeout = initializeTimeout(values);
  return timeout === undefined ? plan : { ...plan, initializeTimeoutMs: timeout };
}

function planFromFlags(values: Flags, positionals: string[]): BridgePlan {
  const url = required(values, "url");
  if (!/^wss?:\/\//.test(url)) throw new UsageError(`alkhub bridge: --url must be a ws:// or wss:// URL`);
  const keyFile = required(values, "key-file");
  const name = required(values, "name");
  const check = validateSpokeName(name);
  if (!check.ok) throw new UsageError(`alkhub bridge: --name: ${check.error}`);
  const upstream = values.upstream as string | undefined;
  if ((upstream === undefined) === (positionals.length === 0)) {
    throw new UsageError(
      "alkhub bridge: give either a command after -- or --upstream <url>, not both or neither",
    );
  }
  const secretFiles = [resolve(keyFile)];
  const timeout = initializeTimeout(values);
  let target: BridgePlan["servers"][number]["target"];
  if (upstream !== undefined) {
    if (!/^https?:\/\//.test(upstream))
      throw new UsageError("alkhub bridge: --upstream must be an http(s) URL");
    for (const flag of ["env-file", "cwd"]) {
      if (values[flag] !== undefined)
        throw new UsageError(`alkhub bridge: --${flag} applies to a command only`);
    }
    const headerFile = values["header-file"] as string | undefined;
    const headers = headerFile ? readHeaderFile(headerFile) : {};
    if (headerFile) secretFiles.push(resolve(headerFile));
    target = { kind: "http", url: upstream, headers: async () => headers };
  } else {
    if (values["header-file"] !== undefined) {
      throw new UsageError("alkhub bridge: --header-file applies to --upstream only");
    }
    const envFile = values["env-file"] as string | undefined;
    if (envFile) secretFiles.push(resolve(envFile));
    const [command, ...args] = positionals as [string, ...string[]];
    target = {
      kind: "stdio",
      command,
      args,
      ...(envFile ? { env: readEnvFile(envFile) } : {}),
      ...(values.cwd ? { cwd: resolve(values.cwd as string) } : {}),
    };
  }
  return {
    hubUrl: url,
    token: readKeyFile(keyFile),
    servers: [{ name, target }],
    ...(timeout === undefined ? {} : { initializeTimeoutMs: timeout }),
    secretFiles,
  };
}

function required(values: Flags, flag: string): string {
  const value = values[flag];
  if (typeof value !== "string" || value.length === 0) {
    throw new UsageError(`alkhub bridge: --${flag} is required (see 'alkhub bridge --help')`);
  }
  return value;
}

function initializeTimeout(values: Flags): number | undefined {
  const raw = values["initialize-timeout"];
  if (raw === undefined) return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new UsageError(
      `alkhub bridge: --initialize-timeout must be a positive whole number of ms, got "${raw}"`,
    );
  }
  return ms;
}
