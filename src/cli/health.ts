import { readFileSync } from "node:fs";
import { EXIT_CODES } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";

const DEFAULT_HEALTH_TIMEOUT_MS = 3000;

export const healthCommand: Command = {
  name: "health",
  summary: "exit 0 when a hub answers /health with 200 (container health check)",
  help: `Usage: alkhub health [--url <base url>] [--config <file>] [--timeout <ms>]

Asks a hub for GET /health and exits 0 only when it answers 200 {"status":"ok"}. This is the container
HEALTHCHECK (distroless images have no curl).

Options:
  --url <base url>   the hub to ask (default: http://127.0.0.1:<server.port of the config file, else 3000>)
  --config <file>    config file to read server.port from (default: $ALKHUB_CONFIG_PATH, /etc/alkhub/config.json,
                     ./alkhub.json); only the plain server section is read, no key is needed
  --timeout <ms>     give up after this long (default ${DEFAULT_HEALTH_TIMEOUT_MS})

Exit codes: 0 healthy · 1 not healthy, unreachable or timed out · 64 bad usage.`,
  async run(argv, io) {
    const { values } = parseCommandArgs("health", argv, {
      url: { type: "string" },
      config: { type: "string" },
      timeout: { type: "string" },
    });
    if (values.help) {
      io.out(this.help);
      return EXIT_CODES.OK;
    }
    const timeoutMs = values.timeout === undefined ? DEFAULT_HEALTH_TIMEOUT_MS : Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      io.err(
        `alkhub health: --timeout must be a positive whole number of milliseconds, got "${values.timeout}"`,
      );
      return EXIT_CODES.USAGE;
    }
    const base = (values.url ?? `http://127.0.0.1:${configuredPort(values.config)}`).replace(/\/+$/, "");
    try {
      const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      const body = await response.text();
      io.out(`${response.status} ${body}`);
      return response.status === 200 ? EXIT_CODES.OK : EXIT_CODES.FAILURE;
    } catch (error) {
      io.err(
        `alkhub health: ${base}/health did not answer: ${error instanceof Error ? error.message : error}`,
      );
      return EXIT_CODES.FAILURE;
    }
  },
};

/** server.port from the first config file that exists, read as plain JSON (it is never encrypted). */
function configuredPort(flag: string | undefined): number {
  const candidates = [flag, process.env.ALKHUB_CONFIG_PATH, "/etc/alkhub/config.json", "alkhub.json"];
  for (const file of candidates) {
    if (!file) continue;
    try {
      const parsed = JSON.parse(readFileSync(file, "utf8")) as { server?: { port?: unknown } };
      const port = parsed.server?.port;
      return typeof port === "number" && port > 0 ? port : 3000;
    } catch {
      // Not there or not readable: try the next place, as the hub itself would.
    }
  }
  return 3000;
}
