import { UnavailableError } from "../errors.ts";
import {
  type PgliteAssetPaths,
  type QueryResult,
  toError,
  type WorkerReply,
  type WorkerRequest,
} from "./embedded-messages.ts";

/**
 * How long a request (other than `open`, whose first initdb can take minutes on a busy machine) may wait for
 * the worker: a worker that stops answering turns into prompt errors, never a caller waiting forever.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** A request without its id (the client numbers them). */
type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, "id"> : never) : never;

/** What drizzle's PGlite driver calls on its client: `query`, and `transaction` with a client for the tx. */
export interface QueryClient {
  query(sql: string, params?: unknown[], options?: { rowMode?: "array" | "object" }): Promise<QueryResult>;
}
export interface TransactionalClient extends QueryClient {
  transaction<T>(run: (tx: QueryClient) => Promise<T>): Promise<T>;
}

/**
 * The hub thread's end of the embedded store: a PGlite look-alike for drizzle (`query`, `transaction`) whose
 * every call is a message to the worker that owns the real PGlite (`embedded-worker.ts`). Results and errors
 * come back as data; a database error keeps its SQLSTATE in `code`.
 */
export class EmbeddedClient implements TransactionalClient {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (reply: WorkerReply) => void; reject: (e: Error) => void }
  >();
  #nextId = 1;
  /**
   * A timer held while an answer is owed: an idle Bun worker does not keep the process alive (nor does
   * `worker.ref()` before the worker is running), and a process awaiting the store must not exit.
   */
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  /** Set once the worker died; every request fails with it from then on. */
  #dead: Error | undefined;

  constructor() {
    this.#worker = new Worker(workerUrl());
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#release();
      waiter.resolve(reply);
    };
    this.#worker.onerror = (event) =>
      this.#die(new Error(`the embedded store's worker failed: ${event.message}`));
    this.#worker.addEventListener("close", () => this.#die(new Error("the embedded store's worker exited")));
  }

  open(dataDir: string, assets: PgliteAssetPaths): Promise<void> {
    return this.#call({ op: "open", dataDir, assets }).then(() => {});
  }

  query(
    sql: string,
    params: unknown[] = [],
    options?: { rowMode?: "array" | "object" },
  ): Promise<QueryResult> {
    return this.#query(0, sql, params, options?.rowMode ?? "object");
  }

  async transaction<T>(run: (tx: QueryClient) => Promise<T>): Promise<T> {
    const { tx } = await this.#call({ op: "begin" });
    const id = tx!;
    let result: T;
    try {
      result = await run({
        query: (sql, params = [], options) => this.#query(id, sql, params, options?.rowMode ?? "object"),
      });
    } catch (error) {
      await this.#call({ op: "end", tx: id, commit: false }).catch(() => {});
      throw error;
    }
    await this.#call({ op: "end", tx: id, commit: true });
    return result;
  }

  /** `statement` is a `COPY … FROM '/dev/blob'`; `chunks` are its COPY text, in order. */
  copy(statement: string, chunks: readonly string[]): Promise<void> {
    return this.#call({ op: "copy", statement, chunks }).then(() => {});
  }

  /** Closes PGlite (it flushes its data dir) and ends the worker. */
  async close(): Promise<void> {
    try {
      if (!this.#dead) await this.#call({ op: "close" });
    } finally {
      this.#worker.terminate();
    }
  }

  async #query(
    tx: number,
    sql: string,
    params: unknown[],
    rowMode: "array" | "object",
  ): Promise<QueryResult> {
    return (await this.#call({ op: "query", tx, sql, params, rowMode })).result!;
  }

  #call(request: Request): Promise<{ result?: QueryResult; tx?: number }> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer =
        request.op === "open"
          ? undefined
          : setTimeout(() => {
              if (!this.#pending.delete(id)) return;
              if (this.#pending.size === 0) this.#release();
              reject(
                new UnavailableError(`the embedded store did not answer within ${REQUEST_TIMEOUT_MS} ms`),
              );
            }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          if (reply.ok) resolve(reply);
          else reject(toError(reply.error));
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#keepAlive ??= setInterval(() => {}, 1 << 30);
      this.#worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  #release(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  #die(error: Error): void {
    if (this.#dead) return;
    this.#dead = error;
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
    this.#release();
  }
}

/**
 * The worker's entry: beside this module when run from source; inside `bun build --compile` it is a second
 * entrypoint (scripts/build.ts) that Bun resolves against the bundle's root, `src/`.
 */
function workerUrl(): string {
  if (import.meta.url.includes("/$bunfs/")) return "./store/embedded-worker.ts";
  return new URL("./embedded-worker.ts", import.meta.url).href;
}
