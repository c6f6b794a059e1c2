/**
 * Drizzle over the embedded store's worker: the session of drizzle's own PGlite driver (drizzle-orm/pglite),
 * rebuilt here because that driver imports `@electric-sql/pglite`, which would load PGlite's JavaScript on the
 * hub's thread too. Queries go to `EmbeddedClient`; the worker keeps timestamps, dates and intervals as text, as
 * drizzle's PGlite driver asks. A failed query is a `DrizzleQueryError` whose `cause` carries the database's
 * error (SQLSTATE in `code`), exactly as drizzle's own driver reports it.
 */
import { DrizzleQueryError, entityKind, fillPlaceholders, type Query, type SQL, sql } from "drizzle-orm";
import { NoopCache } from "drizzle-orm/cache/core";
import {
  PgDatabase,
  PgDialect,
  PgPreparedQuery,
  type PgQueryResultHKT,
  PgSession,
  PgTransaction,
  type PgTransactionConfig,
  type PreparedQueryConfig,
  type SelectedFieldsOrdered,
} from "drizzle-orm/pg-core";
import { createTableRelationsHelpers, extractTablesRelationalConfig } from "drizzle-orm/relations";
import * as utils from "drizzle-orm/utils";
import type { QueryClient, TransactionalClient } from "./embedded-client.ts";
import type * as schema from "./schema.ts";
import type { Database } from "./types.ts";

type Schema = typeof schema;
/** drizzle's row mapper (exported by drizzle-orm/utils, left out of its type declarations). */
const mapResultRow = (
  utils as unknown as { mapResultRow: (f: unknown, row: unknown[], j: unknown) => unknown }
).mapResultRow;

class WorkerPreparedQuery<T extends PreparedQueryConfig> extends PgPreparedQuery<T> {
  static override readonly [entityKind] = "AlkhubWorkerPreparedQuery";

  constructor(
    private readonly client: QueryClient,
    private readonly statement: Query,
    private readonly fields: SelectedFieldsOrdered | undefined,
    private readonly arrayMode: boolean,
    private readonly customResultMapper?: (rows: unknown[][]) => T["execute"],
  ) {
    super(statement, new NoopCache(), undefined, undefined);
  }

  async execute(placeholderValues: Record<string, unknown> = {}): Promise<T["execute"]> {
    const params = fillPlaceholders(this.statement.params, placeholderValues);
    const { fields, customResultMapper } = this;
    if (!fields && !customResultMapper) return await this.#run(params, "object");
    const rows = (await this.#run(params, "array")).rows as unknown[][];
    if (customResultMapper) return customResultMapper(rows);
    // biome-ignore lint/suspicious/noExplicitAny: drizzle's internal join map.
    const joins = (this as any).joinsNotNullableMap;
    return rows.map((row) => mapResultRow(fields, row, joins)) as T["execute"];
  }

  async all(placeholderValues: Record<string, unknown> = {}): Promise<T["all"]> {
    const params = fillPlaceholders(this.statement.params, placeholderValues);
    return (await this.#run(params, "object")).rows as T["all"];
  }

  async #run(params: unknown[], rowMode: "array" | "object") {
    try {
      return await this.client.query(this.statement.sql, params, { rowMode });
    } catch (error) {
      throw new DrizzleQueryError(this.statement.sql, params, error as Error);
    }
  }

  isResponseInArrayMode(): boolean {
    return this.arrayMode;
  }
}

class WorkerSession extends PgSession<PgQueryResultHKT, Schema, ReturnType<typeof relational>["schema"]> {
  static override readonly [entityKind] = "AlkhubWorkerSession";

  constructor(
    private readonly client: QueryClient & Partial<TransactionalClient>,
    dialect: PgDialect,
    private readonly relations: ReturnType<typeof relational>,
  ) {
    super(dialect);
  }

  prepareQuery<T extends PreparedQueryConfig = PreparedQueryConfig>(
    query: Query,
    fields: SelectedFieldsOrdered | undefined,
    _name: string | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper?: (rows: unknown[][]) => T["execute"],
  ): PgPreparedQuery<T> {
    return new WorkerPreparedQuery<T>(this.client, query, fields, isResponseInArrayMode, customResultMapper);
  }

  override async transaction<T>(
    run: (tx: WorkerTransaction) => Promise<T>,
    config?: PgTransactionConfig,
  ): Promise<T> {
    if (!this.client.transaction) throw new Error("a transaction cannot open another transaction");
    return await this.client.transaction(async (client) => {
      const session = new WorkerSession(client, this.dialect, this.relations);
      const tx = new WorkerTransaction(this.dialect, session, this.relations);
      if (config) await tx.setTransaction(config);
      return await run(tx);
    });
  }

  override async count(query: SQL): Promise<number> {
    const result = await this.execute<{ rows: { count: unknown }[] }>(query);
    return Number(result.rows[0]?.count);
  }
}

class WorkerTransaction extends PgTransaction<
  PgQueryResultHKT,
  Schema,
  ReturnType<typeof relational>["schema"]
> {
  static override readonly [entityKind] = "AlkhubWorkerTransaction";

  override async transaction<T>(run: (tx: WorkerTransaction) => Promise<T>): Promise<T> {
    const savepoint = `sp${this.nestedIndex + 1}`;
    // biome-ignore lint/suspicious/noExplicitAny: drizzle keeps the dialect and session protected on PgTransaction.
    const self = this as any;
    const tx = new WorkerTransaction(self.dialect, self.session, this.schema, this.nestedIndex + 1);
    await tx.execute(sql.raw(`savepoint ${savepoint}`));
    try {
      const result = await run(tx);
      await tx.execute(sql.raw(`release savepoint ${savepoint}`));
      return result;
    } catch (error) {
      await tx.execute(sql.raw(`rollback to savepoint ${savepoint}`));
      throw error;
    }
  }
}

function relational(fullSchema: Schema) {
  const tables = extractTablesRelationalConfig(fullSchema, createTableRelationsHelpers);
  return { fullSchema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
}

/** The `Database` of the embedded store: drizzle with the full schema, every query a message to the worker. */
export function drizzleOverWorker(client: TransactionalClient, fullSchema: Schema): Database {
  const dialect = new PgDialect();
  const relations = relational(fullSchema);
  const session = new WorkerSession(client, dialect, relations);
  return new PgDatabase(dialect, session, relations) as unknown as Database;
}
