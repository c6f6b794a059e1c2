import { sql } from "drizzle-orm";
import { PgDialect, type PgSession } from "drizzle-orm/pg-core";
import { migrations } from "./migrations.gen.ts";
import type { Database, MigrationState } from "./types.ts";

/** Where drizzle records applied migrations (its defaults, so `drizzle-kit` tools see the same table). */
const MIGRATIONS_SCHEMA = "drizzle";
const MIGRATIONS_TABLE = "__drizzle_migrations";

/** Every embedded migration with whether `db` has it, decided the way drizzle's migrator decides. */
export async function readMigrationStatus(db: Database): Promise<MigrationState[]> {
  const [found] = await db._.session.all<{ table: string | null }>(
    sql`select to_regclass(${`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`})::text as "table"`,
  );
  let last = -1;
  if (found?.table) {
    const [row] = await db._.session.all<{ created_at: string | number | null }>(
      sql`select max(created_at) as created_at from ${sql.identifier(MIGRATIONS_SCHEMA)}.${sql.identifier(MIGRATIONS_TABLE)}`,
    );
    if (row?.created_at != null) last = Number(row.created_at);
  }
  // Drizzle applies a migration only when its journal time is after the last applied one; mirror that.
  return migrations.map((m) => ({ tag: m.tag, applied: m.folderMillis <= last }));
}

/** Applies the missing embedded migrations on `db`; the caller holds whatever lock it needs. */
export async function applyMigrations(db: Database): Promise<{ applied: number }> {
  const pending = (await readMigrationStatus(db)).filter((m) => !m.applied).length;
  if (pending === 0) return { applied: 0 };
  // The dialect is typed against a schema-less session; the session itself is the same object.
  await new PgDialect().migrate(migrations, db._.session as unknown as PgSession, {
    migrationsFolder: "<embedded>",
    migrationsSchema: MIGRATIONS_SCHEMA,
    migrationsTable: MIGRATIONS_TABLE,
  });
  return { applied: pending };
}
