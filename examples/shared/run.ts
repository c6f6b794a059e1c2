/**
 * The process around an example spoke: connect, log status changes to stderr, drain on SIGINT/SIGTERM and turn
 * every ending into an exit code.
 */
import {
  type AnyOperationDef,
  connectSpoke,
  type Spoke,
  SpokeOptionsError,
  type SpokeStatus,
} from "@alkdev/hub/spoke";
import { EXIT_UNAVAILABLE, EXIT_USAGE } from "./cli.ts";

/** Exit code after a clean drain. */
const EXIT_OK = 0;
/** Exit code when the hub ended the spoke (key revoked, taken over, gave up reconnecting). */
const EXIT_FAILURE = 1;

/** What `runSpoke` needs. */
export interface RunSpokeOptions {
  url: string;
  name: string;
  /** The API key, as read from the key file. Never logged. */
  token: string;
  operations: Record<string, AnyOperationDef>;
  kind?: string;
  version?: string;
  /** Where status lines go. Default: stderr. */
  log?: (line: string) => void;
  /** Longest wait for in-flight calls when a signal asks the spoke to stop, in milliseconds. Default 30 000. */
  drainTimeoutMs?: number;
  /** Called once the spoke is connected (an example that changes its operations later keeps it). */
  onConnected?: (spoke: Spoke) => void;
}

/** One human-readable line per status event (the SDK never puts the key in an error). */
export function describeStatus(status: SpokeStatus): string {
  switch (status.type) {
    case "connecting":
      return `connecting (attempt ${status.attempt})`;
    case "connected":
      return "connected";
    case "registered":
      return `registered as ${status.registration.name} (spoke ${status.registration.spokeId}${status.reconnected ? ", reconnected" : ""})`;
    case "disconnected":
      return `disconnected (${status.code}${status.reason ? ` ${status.reason}` : ""})${status.willReconnect ? ", will reconnect" : ""}`;
    case "reconnecting":
      return `reconnecting in ${status.delayMs} ms (attempt ${status.attempt})`;
    case "draining":
      return `draining (${status.source === "hub" ? "asked by the hub" : "local"})`;
    case "error":
      return `error: ${status.error.message}`;
    case "closed":
      return status.error ? `closed: ${status.error.message}` : "closed";
  }
}

/**
 * Connects, serves until the spoke ends, and resolves with the process exit code: 0 after a drain on SIGINT or
 * SIGTERM, 64 for options the SDK refuses (e.g. a bad `--name`), 69 when the first connection fails, 1 when the
 * hub ends the spoke. A second signal during the drain closes at once.
 */
export async function runSpoke(options: RunSpokeOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.error(`[${options.name}] ${line}`));
  let spoke: Spoke;
  try {
    spoke = await connectSpoke({
      url: options.url,
      token: options.token,
      name: options.name,
      operations: options.operations,
      ...(options.kind === undefined ? {} : { kind: options.kind }),
      ...(options.version === undefined ? {} : { version: options.version }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`cannot start: ${message}`);
    return error instanceof SpokeOptionsError ? EXIT_USAGE : EXIT_UNAVAILABLE;
  }
  log(`registered as ${spoke.name} at ${options.url}`);
  options.onConnected?.(spoke);
  spoke.onStatus((status) => {
    if (status.type !== "closed") log(describeStatus(status));
  });

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: closing now`);
      void spoke.close();
      return;
    }
    stopping = true;
    log(`${signal}: draining`);
    void spoke.drain({ timeoutMs: options.drainTimeoutMs ?? 30_000 });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const error = await spoke.closed();
    if (error && !stopping) {
      log(`closed: ${error.message}`);
      return EXIT_FAILURE;
    }
    log("closed");
    return EXIT_OK;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
