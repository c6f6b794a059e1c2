/**
 * Where an admin command sends its requests (docs/operations.md › CLI): the running hub when one answers, the
 * store itself only when none does. In order:
 *
 * 1. `--url` given: that hub over HTTP with the key of `--key-file` (nothing else is tried: the operator named it);
 * 2. the local admin socket of the config (`admin.socket`) when something answers on it;
 * 3. `--key-file` given: the hub at the config's `server` address over HTTP, when it answers;
 * 4. the store of the config, opened directly (the same admin routes run in this process).
 */
import { readFile } from "node:fs/promises";
import { loadHubConfig } from "../config/index.ts";
import { UsageError } from "../errors.ts";
import { socketAnswers } from "../http/index.ts";
import { hubBaseUrl, type RequestAnswer, socketTransport, urlTransport } from "./hub-transport.ts";
import { openStoreTarget } from "./store-target.ts";

/** The flags every admin command takes to find its target. */
export interface TargetFlags {
  config?: string;
  masterKeyFile?: string;
  url?: string;
  keyFile?: string;
}

/** One request to the admin API, relative to `/api/v1`. */
export interface AdminRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

/** Something that answers admin API requests: a running hub (socket or URL) or the store in this process. */
export interface AdminTarget {
  readonly kind: "socket" | "url" | "store";
  /** For messages: which hub or store answered. */
  readonly description: string;
  request(request: AdminRequest): Promise<RequestAnswer>;
  close(): Promise<void>;
  /** What the operator should know about how the target was opened (e.g. a fresh database was migrated). */
  readonly notices?: readonly string[];
}

/**
 * What a command is about to do: `write` lets a direct store be migrated first when it is fresh; `catalog` loads
 * the stored spokes when the store is opened directly (`spokes list|show`).
 */
export interface TargetNeeds {
  write: boolean;
  catalog?: boolean;
}

/** Finds the target for `flags` (see the module comment). */
export async function openAdminTarget(flags: TargetFlags, needs: TargetNeeds): Promise<AdminTarget> {
  if (flags.url !== undefined) {
    if (flags.keyFile === undefined) {
      throw new UsageError("--url needs --key-file <file> (an API key with scope admin)");
    }
    return urlTransport(checkedUrl(flags.url), await readKeyFile(flags.keyFile));
  }
  const key = flags.keyFile === undefined ? undefined : await readKeyFile(flags.keyFile);
  const loaded = await loadHubConfig({
    configFlag: flags.config,
    masterKeyFlag: flags.masterKeyFile,
    cwd: process.cwd(),
    env: process.env,
  });
  const socket = loaded.config.admin.socket || undefined;
  if (socket !== undefined && (await socketAnswers(socket))) return socketTransport(socket);
  if (key !== undefined) {
    const base = hubBaseUrl(loaded.config.server);
    if (await reachable(base)) return urlTransport(base, key);
  }
  return openStoreTarget(loaded, needs, { socket });
}

async function readKeyFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UsageError(`--key-file ${path} cannot be read (${code})`);
  }
  const key = text.trim();
  if (!/^alk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]+$/.test(key)) {
    throw new UsageError(`--key-file ${path} does not hold an API key (alk_<id>_<secret>)`);
  }
  return key;
}

function checkedUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url '${text}' is not a URL (e.g. http://127.0.0.1:3000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--url '${text}' must be http:// or https://`);
  }
  if (url.username || url.password) throw new UsageError("--url must not carry a user or password");
  return text.replace(/\/+$/, "");
}

/** Whether a hub answers `/health/live` at `base` within a second. */
async function reachable(base: string): Promise<boolean> {
  try {
    const response = await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
