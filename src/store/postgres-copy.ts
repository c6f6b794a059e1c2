import type postgres from "postgres";
import { withDeadline } from "../deadline.ts";
import { isRowError } from "./errors.ts";

/**
 * `COPY … FROM STDIN` on a connection of its own (the call audit's batch write on Postgres, issue #11): COPY
 * inserts a batch's rows page by page, about half the backend's CPU per row of an INSERT that reads the same
 * text (`scripts/bench/audit-insert.ts`), on the cores a one-box deployment shares with the relay.
 *
 * One COPY at a time, each awaited before the next starts, so the driver never has another statement on that
 * connection whose completion it could mistake for the COPY's. A COPY that fails for any reason other than the
 * database refusing its data (class 22 or 23: the connection is still in step), or that outlives `timeoutMs`,
 * ends the connection at once; the next COPY opens a new one. postgres.js under Bun can lose a statement sent as
 * its socket dies (it never settles), so no COPY may trust the driver to answer.
 */
export class PostgresCopier {
  readonly #connect: () => postgres.Sql;
  #sql: postgres.Sql | undefined;
  /** The COPY running now, if any; the next one waits for it. */
  #running: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** `connect` opens the copier's connection (one connection, its own pool of one). */
  constructor(connect: () => postgres.Sql) {
    this.#connect = connect;
  }

  /** Appends `chunks` (lines of COPY text, in order) to `table`; the rows commit together or not at all. */
  copyFrom(
    table: string,
    columns: readonly string[],
    chunks: readonly string[],
    timeoutMs: number,
  ): Promise<void> {
    const run = this.#running.then(() => this.#copy(table, columns, chunks, timeoutMs));
    this.#running = run.catch(() => {});
    return run;
  }

  /**
   * Refuses new COPYs and ends the connection, letting a COPY in progress finish for up to `timeoutS` seconds
   * (as the store's pool does), not for its whole deadline: a shutdown never waits on a lost statement.
   */
  async close(timeoutS: number): Promise<void> {
    this.#closed = true;
    const sql = this.#sql;
    this.#sql = undefined;
    await sql?.end({ timeout: timeoutS }).catch(() => {});
  }

  async #copy(
    table: string,
    columns: readonly string[],
    chunks: readonly string[],
    timeoutMs: number,
  ): Promise<void> {
    if (this.#closed) throw new Error("the store is closed");
    this.#sql ??= this.#connect();
    const sql = this.#sql;
    const copying = (async () => {
      const stream = await sql`copy ${sql(table)} (${sql(columns as string[])}) from stdin`.writable();
      await new Promise<void>((resolve, reject) => {
        stream.on("error", reject);
        stream.on("finish", resolve);
        for (const chunk of chunks) stream.write(chunk);
        stream.end();
      });
    })();
    try {
      await withDeadline(copying, timeoutMs, `COPY into ${table}`);
    } catch (error) {
      if (!isRowError(error)) this.#drop();
      throw error;
    }
  }

  #drop(): void {
    const sql = this.#sql;
    this.#sql = undefined;
    sql?.end({ timeout: 0 }).catch(() => {});
  }
}
