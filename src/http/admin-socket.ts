/**
 * The local admin socket (`admin.socket`): a Unix socket that only the hub's own user can open, serving the hub's
 * `/api/` routes with the trust of an admin key. It is how `alkhub keys …` reaches a running hub without a key
 * (docs/security.md › Local admin socket). Trust comes from the file system: the socket is 0600 in a directory
 * that no other user may write, so the kernel lets only the hub's user (and root) connect.
 */
import { chmodSync, lstatSync, mkdirSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { type AnyElysia, Elysia } from "elysia";
import { UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import { HubError } from "../protocol/index.ts";
import { errorResponse } from "./json-response.ts";
import { routeErrorResponse } from "./route-errors.ts";

/** The address audit rows and logs give a request that came in over the admin socket. */
export const LOCAL_SOCKET_ADDRESS = "local-socket";

/** The origin every request on the socket is given, whatever Host it sent. */
const SOCKET_ORIGIN = "http://local-socket";

/** How long the start waits for an existing socket's owner to accept, before calling the socket stale. */
const STALE_PROBE_TIMEOUT_MS = 1000;

// Requests that arrived on the socket. A WeakSet rather than a header: nothing sent over TCP can put a request in it.
const socketRequests = new WeakSet<Request>();

/** Whether `request` came in over the local admin socket (and is trusted as admin). */
export function isAdminSocketRequest(request: Request): boolean {
  return socketRequests.has(request);
}

/** The listening admin socket. */
export interface AdminSocket {
  readonly path: string;
  /** Stops listening and removes the socket file (if it is still the one this hub made). */
  stop(): Promise<void>;
}

/** What `startAdminSocket` serves and where. */
export interface AdminSocketOptions {
  path: string;
  /** The hub's own request handler (its main Elysia app): auth, startup gate, body limits and routes included. */
  handle: (request: Request) => Promise<Response>;
  maxRequestBodySize: number;
  log: Logger;
}

/**
 * Makes the socket's directory (0700) when missing, removes a stale socket left by a hub that died, and listens.
 * Throws `UnavailableError` when the path cannot be served safely: the directory is writable by other users,
 * something that is not a socket is in the way, or another live process answers on it.
 */
export async function startAdminSocket(options: AdminSocketOptions): Promise<AdminSocket> {
  const { path } = options;
  prepareDirectory(dirname(path));
  await removeStaleSocket(path);
  // The socket is created by bind() with the process umask: make it 0600 from its first instant.
  const previousUmask = process.umask(0o177);
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      unix: path,
      maxRequestBodySize: options.maxRequestBodySize,
      fetch(incoming) {
        const url = new URL(incoming.url);
        if (!url.pathname.startsWith("/api/")) {
          return errorResponse(new HubError("OPERATION_NOT_FOUND", "the admin socket serves /api/ only"));
        }
        // The Host a socket client sends means nothing (curl says "localhost", others "x"); Elysia finds the
        // path by offset from a host of usual length, so every request gets the same one.
        const request = new Request(`${SOCKET_ORIGIN}${url.pathname}${url.search}`, incoming);
        socketRequests.add(request);
        return options.handle(request);
      },
    });
  } catch (error) {
    throw new UnavailableError(`cannot listen on admin socket ${path}: ${reasonOf(error)}`, { cause: error });
  } finally {
    process.umask(previousUmask);
  }
  chmodSync(path, 0o600);
  const inode = statSync(path).ino;
  options.log.info("admin socket listening", { path });
  return {
    path,
    async stop() {
      await server.stop(true);
      try {
        // Only our own socket: a hub started since (after a takeover) keeps its file.
        if (lstatSync(path).ino === inode) unlinkSync(path);
      } catch {
        // Already gone.
      }
    },
  };
}

/** Creates `dir` 0700 when missing; refuses one that other users may write into (they could swap the socket). */
function prepareDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UnavailableError(`cannot create the admin socket's directory ${dir}: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  const info = statSync(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid && info.uid !== 0) {
    throw new UnavailableError(
      `the admin socket's directory ${dir} belongs to another user (uid ${info.uid})`,
    );
  }
  if ((info.mode & 0o022) !== 0) {
    throw new UnavailableError(
      `the admin socket's directory ${dir} is writable by other users (mode ${(info.mode & 0o777).toString(8)}); use a directory only the hub's user may write`,
    );
  }
}

/** Removes a socket file nobody answers on; a live one (another hub) or a non-socket file is an error. */
async function removeStaleSocket(path: string): Promise<void> {
  let info: ReturnType<typeof lstatSync>;
  try {
    info = lstatSync(path);
  } catch {
    return;
  }
  if (!info.isSocket()) {
    throw new UnavailableError(
      `${path} exists and is not a socket; remove it or choose another admin.socket`,
    );
  }
  if (await socketAnswers(path)) {
    throw new UnavailableError(`another process already serves the admin socket ${path}`);
  }
  unlinkSync(path);
}

/** Whether something accepts connections on the Unix socket at `path`. */
export async function socketAnswers(path: string): Promise<boolean> {
  try {
    const socket = await withTimeout(
      Bun.connect({ unix: path, socket: { data() {}, error() {} } }),
      STALE_PROBE_TIMEOUT_MS,
    );
    socket.end();
    return true;
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function reasonOf(error: unknown): string {
  return (
    (error as { code?: string } | null)?.code ?? (error instanceof Error ? error.message : String(error))
  );
}

/**
 * Answers requests in-process as the admin socket would, with `routes` alone (no listener, no startup gate): how
 * the CLI runs the admin API over a store it opened itself when no hub is running. Requests act as admin.
 */
export function localAdminHandler(routes: AnyElysia[], log: Logger): (request: Request) => Promise<Response> {
  const app = new Elysia().onError({ as: "global" }, routeErrorResponse(log));
  for (const group of routes) app.use(group);
  return (request) => {
    socketRequests.add(request);
    return app.handle(request);
  };
}
