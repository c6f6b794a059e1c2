import { existsSync } from "node:fs";
import { resolveConfigPath, writeLocalConfig } from "../config/index.ts";
import { EXIT_CODES, type ExitCode, exitCodeOf, UsageError } from "../errors.ts";
import { type Hub, StartupStepError, startHub } from "../hub.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";
import { printFirstAdminKey } from "./first-admin-key.ts";

export const serveCommand: Command = {
  name: "serve",
  summary: "run the hub (the default command)",
  help: `Usage: alkhub [serve] [--config <file>] [--master-key-file <file>] [--host <addr>] [--port <n>]

Runs the hub until SIGTERM or SIGINT (a second signal exits at once).

The config file is --config, else $ALKHUB_CONFIG_PATH, else /etc/alkhub/config.json, else ./alkhub.json.
The master key is --master-key-file, else /run/secrets/hub_master_key, else alkhub.key beside the config.
When none of these config files exists and neither --config nor $ALKHUB_CONFIG_PATH is given, serve first
creates ./alkhub.json and ./alkhub.key for an embedded hub (as 'alkhub init' does) and prints the first admin
key once.

Options:
  --config <file>           config file
  --master-key-file <file>  master key file (32 random bytes, base64)
  --host <addr>             listen address, overriding server.host
  --port <n>                listen port, overriding server.port (0 picks a free port)

Exit codes: 0 stopped cleanly · 1 failed · 64 bad usage · 69 a dependency (Postgres, Redis, the embedded data
dir) is unavailable · 78 configuration error.`,
  async run(argv, io) {
    const { values } = parseCommandArgs("serve", argv, {
      config: { type: "string" },
      "master-key-file": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
    });
    if (values.help) {
      io.out(this.help);
      return EXIT_CODES.OK;
    }
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new UsageError(
        `alkhub serve: --port must be a whole number from 0 to 65535, got "${values.port}"`,
      );
    }
    const cwd = process.cwd();
    const resolved = resolveConfigPath({ flag: values.config, env: process.env, cwd });
    const firstRun = resolved.source === "local" && !existsSync(resolved.path);
    if (firstRun) {
      const written = await writeLocalConfig({ dir: cwd });
      io.err(
        `alkhub: no config found; created ${written.configPath} and ${written.keyPath} for an embedded hub`,
      );
    }
    let hub: Hub;
    try {
      hub = await startHub({
        configPath: values.config,
        masterKeyPath: values["master-key-file"],
        listen: { host: values.host, port },
      });
    } catch (error) {
      const cause = error instanceof StartupStepError ? error.cause : error;
      return exitCodeOf(cause);
    }
    if (firstRun) await printFirstAdminKey(hub.store, io);
    return waitForSignal(hub);
  },
};

/** Resolves with the exit code once a signal has stopped the hub; a second signal exits at once. */
function waitForSignal(hub: Hub): Promise<ExitCode> {
  return new Promise((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        hub.log.warn("second signal: exiting now", { signal });
        process.exit(EXIT_CODES.FAILURE);
      }
      signalled = true;
      hub.log.info("signal received; draining", { signal });
      hub.stop().then(
        () => resolve(EXIT_CODES.OK),
        () => resolve(EXIT_CODES.FAILURE),
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
