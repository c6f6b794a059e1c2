import { UnavailableError } from "../errors.ts";
import {
  isWorkerReply,
  type PgliteAssetPaths,
  type QueryResult,
  type RowMode,
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
type Answer = { result?: QueryResult; tx?: number };

/** What drizzle's session calls on its client: `query`, and `transaction` with a client for the transaction. */
export interface QueryClient {
  query(sql: string, params?: unknown[], options?: { rowMode?: RowMode }): Promise<QueryResult>;
}
export interface TransactionalClient extends QueryClient {
  transaction<T>(run: (tx: QueryClient) => Promise<T>): Promise<T>;
}

/** Test seams: the worker script and the request bound. */
export interface EmbeddedClientOptions {
  /** Default: `embedded-worker.ts` (beside this module, or the binary's second entrypoint). */
  workerUrl?: string;
  /** Default `REQUEST_TIMEOUT_MS`. */
  requestTimeoutMs?: number;
}

interface Waiter {
  request: Request;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

/**
 * The hub thread's end of the embedded store: a PGlite look-alike for drizzle (`query`, `transaction`) whose
 * every call is a message to the worker that owns the real PGlite (`embedded-worker.ts`). One pending-request
 * table: each request is answered once, fails with `UnavailableError` after the request bound, and everything
 * pending fails at once if the worker dies. Database errors come back as data and keep their SQLSTATE in `code`.
 *
 * Replies are handed to their callers from a task of their own, never from inside the worker's `message`
 * event: Bun (1.3.14 – 1.4.5, oven-sh/bun#37189) keeps a port's "drain scheduled" flag set while the
 * continuations of its messages run, so a caller that spins a nested event loop there (`bun:test`'s
 * `expect(p).rejects` does) never sees the next reply — the embedded store's conformance suite hung exactly
 * so. The hand-over goes through a fresh `MessageChannel` each time (about 15 µs): its flag is never the one a
 * waiting caller sits under. `setImmediate` would not do: a nested loop may leave immediates waiting ~1 s.
 */
export class EmbeddedClient implements TransactionalClient {
  readonly #worker: Worker;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Waiter>();
  #nextId = 1;
  /** Replies received and not yet handed to their callers, in arrival order. */
  #inbox: WorkerReply[] = [];
  /**
   * A timer held while an answer is owed: an idle Bun worker does not keep the process alive (nor does
   * `worker.ref()` before the worker is running), and a process awaiting the store must not exit.
   */
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  /** Set once the worker died or the client closed; every request fails with it from then on. */
  #dead: Error | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;
  /** Transactions begun and not yet ended. */
  #openTransactions = 0;
  /** Called whenever nothing is pending and no transaction is open (close waits on this). */
  #onIdle: (() => void) | undefined;

  constructor(options: EmbeddedClientOptions = {}) {
    this.#timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.#worker = new Worker(options.workerUrl ?? workerUrl());
    this.#worker.onmessage = (event: MessageEvent<unknown>) => this.#receive(event.data);
    this.#worker.onerror = (event) =>
      this.#die(new UnavailableError(`the embedded store's worker failed: ${event.message}`));
    this.#worker.addEventListener("close", () =>
      this.#die(new UnavailableError("the embedded store's worker exited")),
    );
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Opens PGlite in `dataDir` inside the worker (no time bound: a first initdb can take minutes). */
  open(dataDir: string, assets: PgliteAssetPaths): Promise<void> {
    return this.#call({ op: "open", dataDir, assets }).then(() => {});
  }

  query(sql: string, params: unknown[] = [], options?: { rowMode?: RowMode }): Promise<QueryResult> {
    return this.#query(0, sql, params, options?.rowMode ?? "object");
  }

  /**
   * Runs `run` inside one transaction held open in the worker: committed when `run` resolves, rolled back when
   * it throws. PGlite has one connection, so other queries wait until it ends (as they did in-thread).
   */
  async transaction<T>(run: (tx: QueryClient) => Promise<T>): Promise<T> {
    const { tx } = await this.#call({ op: "begin" });
    const id = tx!;
    this.#openTransactions++;
    try {
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
    } finally {
      this.#openTransactions--;
      this.#checkIdle();
    }
  }

  /** `statement` is a `COPY … FROM '/dev/blob'`; `chunks` are its COPY text, in order. */
  copy(statement: string, chunks: readonly string[]): Promise<void> {
    return this.#call({ op: "copy", statement, chunks }).then(() => {});
  }

  /**
   * Drains, then closes: new work is refused at once, requests already sent and transactions already open
   * finish (each within its own bound), then PGlite closes (it flushes its data dir) and the worker ends.
   * Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    try {
      // Bounded like any request: a transaction its caller never ends is rolled back by the worker's close.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.#idle(), new Promise((done) => (timer = setTimeout(done, this.#timeoutMs)))]);
      clearTimeout(timer);
      if (!this.#dead) await this.#call({ op: "close" });
    } finally {
      this.#die(new UnavailableError("the embedded store is closed"));
      this.#worker.terminate();
    }
  }

  async #query(tx: number, sql: string, params: unknown[], rowMode: RowMode): Promise<QueryResult> {
    return (await this.#call({ op: "query", tx, sql, params, rowMode })).result!;
  }

  #call(request: Request): Promise<Answer> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#closing && !mayFinishWhileClosing(request)) {
      return Promise.reject(new UnavailableError("the embedded store is closing"));
    }
    const id = this.#nextId++;
    return new Promise<Answer>((resolve, reject) => {
      const waiter: Waiter = { request, timer: undefined, resolve, reject };
      if (request.op !== "open") {
        waiter.timer = setTimeout(() => {
          if (!this.#forget(id)) return;
          reject(
            new UnavailableError(
              `the embedded store did not answer a ${request.op} within ${this.#timeoutMs} ms`,
            ),
          );
        }, this.#timeoutMs);
      }
      this.#pending.set(id, waiter);
      this.#keepAlive ??= setInterval(() => {}, 1 << 30);
      this.#worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  #receive(data: unknown): void {
    if (!isWorkerReply(data)) {
      this.#die(new UnavailableError("the embedded store's worker sent a message that is not a reply"));
      return;
    }
    this.#inbox.push(data);
    if (this.#inbox.length > 1) return;
    // Handed over from a task of our own (see the class comment).
    const handOver = new MessageChannel();
    handOver.port1.onmessage = () => {
      handOver.port1.close();
      this.#deliver();
    };
    handOver.port2.postMessage(null);
  }

  #deliver(): void {
    const replies = this.#inbox;
    this.#inbox = [];
    for (const reply of replies) {
      const waiter = this.#pending.get(reply.id);
      // Answered after its bound ran out: the caller has its error already.
      if (!waiter || !this.#forget(reply.id)) continue;
      if (reply.ok) waiter.resolve(reply);
      else waiter.reject(toError(reply.error));
    }
  }

  /** Removes request `id` from the table; false if it was no longer there. */
  #forget(id: number): boolean {
    const waiter = this.#pending.get(id);
    if (!waiter) return false;
    clearTimeout(waiter.timer);
    this.#pending.delete(id);
    if (this.#pending.size === 0) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
    this.#checkIdle();
    return true;
  }

  /** Resolves once nothing is pending and no transaction is open (or the worker died). */
  #idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#onIdle = resolve;
      this.#checkIdle();
    });
  }

  #checkIdle(): void {
    if (!this.#onIdle) return;
    if (!this.#dead && (this.#pending.size > 0 || this.#openTransactions > 0)) return;
    const idle = this.#onIdle;
    this.#onIdle = undefined;
    idle();
  }

  #die(error: Error): void {
    if (this.#dead) return;
    this.#dead = error;
    const waiters = [...this.#pending.values()];
    for (const [id] of this.#pending) this.#forget(id);
    for (const waiter of waiters) waiter.reject(error);
    this.#checkIdle();
  }
}

/** While closing, only the work of transactions already open may still go out (and their ends). */
function mayFinishWhileClosing(request: Request): boolean {
  return request.op === "end" || (request.op === "query" && request.tx !== 0) || request.op === "close";
}

/**
 * The worker's entry: beside this module when run from source; inside `bun build --compile` it is a second
 * entrypoint (scripts/build.ts) that Bun resolves against the bundle's root, `src/`.
 */
function workerUrl(): string {
  if (import.meta.url.includes("/$bunfs/")) return "./store/embedded-worker.ts";
  return new URL("./embedded-worker.ts", import.meta.url).href;
}
