// alkhub-test: once
/**
 * Client secrets in the store, the same cases against real Postgres (a fresh database) and embedded PGlite (a
 * temp data dir): what is stored and audited, AAD binding, rotation and its leftovers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { CryptoError, generateDataKeyEntry, KeyRing } from "../../src/crypto/index.ts";
import { silentLogger } from "../../src/log/index.ts";
import {
  deleteClientSecret,
  getClientSecret,
  listClientSecrets,
  rotateClientSecrets,
  SecretInputError,
  setClientSecret,
} from "../../src/secrets/index.ts";
import { auditLogs, clientSecrets, clients, openStore, type Store } from "../../src/store/index.ts";
import { createTestDatabase, describeWithServices, type TestDatabase } from "../support/services.ts";

// A first initdb took 45–95 s on the shared 2-core box under load (the in-thread store as much as the worker).
const PGLITE_START_MS = 180_000;
const V1 = generateDataKeyEntry(1);
const V2 = generateDataKeyEntry(2);
const RING_V1 = KeyRing.parse(V1);
const RING_V2 = KeyRing.parse(`${V2},${V1}`);
const RING_V3 = KeyRing.parse(generateDataKeyEntry(3));

/** A value unlike anything else in the database, so a substring search proves it is not stored. */
const secretValue = (label: string) => `plain-${label}-${crypto.randomUUID()}`;

function cases(open: () => Promise<Store>): void {
  let store: Store;
  beforeAll(async () => {
    store = await open();
    await store.migrate();
  }, PGLITE_START_MS);
  afterAll(async () => {
    await store?.close();
  });

  /** Every row of every table that could hold a value, as text. */
  async function everyStoredText(): Promise<string> {
    const parts: string[] = [];
    for (const table of ["accounts", "clients", "client_secrets", "audit_logs"]) {
      const rows = await store.db._.session.all<Record<string, unknown>>(
        sql.raw(`select to_jsonb(t)::text as row from ${table} t`),
      );
      parts.push(...rows.map((r) => String(r.row)));
    }
    return parts.join("\n");
  }

  test("set, list, get, replace and delete; values are in no column and no result", async () => {
    const token = secretValue("token");
    const hook = secretValue("hook");
    const other = secretValue("other");
    const first = await setClientSecret(store, RING_V1, {
      account: "acme",
      client: "github",
      name: "token",
      value: token,
      actor: { keyId: "adminKey0001" },
    });
    expect(first).toMatchObject({
      account: "acme",
      client: "github",
      name: "token",
      keyVersion: 1,
      created: true,
    });
    await setClientSecret(store, RING_V1, { account: "acme", client: "github", name: "hook", value: hook });
    await setClientSecret(store, RING_V1, { account: "beta", client: "github", name: "token", value: other });

    const listed = await listClientSecrets(store, { account: "acme" });
    expect(listed.map((s) => [s.account, s.client, s.name, s.keyVersion])).toEqual([
      ["acme", "github", "hook", 1],
      ["acme", "github", "token", 1],
    ]);
    expect((await listClientSecrets(store, { client: "github" })).length).toBe(3);
    expect(
      (await listClientSecrets(store, { account: "beta", client: "github" })).map((s) => s.name),
    ).toEqual(["token"]);
    expect(await listClientSecrets(store, { client: "nobody" })).toEqual([]);
    const everything = JSON.stringify(await listClientSecrets(store));
    for (const value of [token, hook, other]) expect(everything).not.toContain(value);

    expect(await getClientSecret(store, RING_V1, { account: "acme", client: "github", name: "token" })).toBe(
      token,
    );
    expect(await getClientSecret(store, RING_V1, { account: "beta", client: "github", name: "token" })).toBe(
      other,
    );
    expect(await getClientSecret(store, RING_V1, { account: "acme", client: "gitlab", name: "token" })).toBe(
      undefined,
    );

    const replaced = secretValue("replaced");
    const again = await setClientSecret(store, RING_V1, {
      account: "acme",
      client: "github",
      name: "token",
      value: replaced,
    });
    expect(again.created).toBe(false);
    expect(again.createdAt).toEqual(first.createdAt);
    expect(again.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    expect(await getClientSecret(store, RING_V1, { account: "acme", client: "github", name: "token" })).toBe(
      replaced,
    );

    expect(await deleteClientSecret(store, { account: "acme", client: "github", name: "hook" })).toBe(true);
    expect(await deleteClientSecret(store, { account: "acme", client: "github", name: "hook" })).toBe(false);
    expect(await getClientSecret(store, RING_V1, { account: "acme", client: "github", name: "hook" })).toBe(
      undefined,
    );

    const stored = await everyStoredText();
    for (const value of [token, hook, other, replaced]) expect(stored).not.toContain(value);

    const audit = await store.db
      .select()
      .from(auditLogs)
      .where(sql`${auditLogs.action} like 'secret.%'`)
      .orderBy(auditLogs.at, auditLogs.id);
    expect(audit.map((r) => [r.action, r.target, r.outcome])).toEqual([
      ["secret.set", "github/token", "ok"],
      ["secret.set", "github/hook", "ok"],
      ["secret.set", "github/token", "ok"],
      ["secret.set", "github/token", "ok"],
      ["secret.delete", "github/hook", "ok"],
      ["secret.delete", "github/hook", "not-found"],
    ]);
    expect(audit[0]?.actorKeyId).toBe("adminKey0001");
    expect(audit[0]?.details).toEqual({ account: "acme", keyVersion: 1, created: true });
  });

  test("bad names and empty values are refused before anything is written", async () => {
    const before = await everyStoredText();
    const attempts = [
      { field: "client", input: { account: "acme", client: "../x", name: "n", value: "v" } },
      { field: "name", input: { account: "acme", client: "c", name: "a b", value: "v" } },
      { field: "account", input: { account: " ", client: "c", name: "n", value: "v" } },
      { field: "value", input: { account: "acme", client: "c", name: "n", value: "" } },
    ];
    for (const { field, input } of attempts) {
      const error = await setClientSecret(store, RING_V1, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretInputError);
      expect((error as SecretInputError).field).toBe(field);
    }
    expect(await everyStoredText()).toBe(before);
  });

  test("a sealed value copied to another client or name does not open", async () => {
    const value = secretValue("moved");
    await setClientSecret(store, RING_V1, { account: "moves", client: "from", name: "key", value });
    await setClientSecret(store, RING_V1, { account: "moves", client: "to", name: "key", value: "decoy" });
    await setClientSecret(store, RING_V1, { account: "moves", client: "from", name: "key2", value: "decoy" });
    const [source] = await store.db
      .select({ sealed: clientSecrets.sealed })
      .from(clientSecrets)
      .innerJoin(clients, eq(clientSecrets.clientId, clients.id))
      .where(and(eq(clients.name, "from"), eq(clientSecrets.name, "key")));
    expect(source?.sealed).toBeString();
    await store.db.execute(
      sql`update client_secrets s set sealed = ${source?.sealed} from clients c, accounts a
          where c.id = s.client_id and a.id = c.account_id and a.name = 'moves' and s.sealed <> ${source?.sealed}`,
    );
    for (const place of [
      { client: "to", name: "key" },
      { client: "from", name: "key2" },
    ]) {
      const error = await getClientSecret(store, RING_V1, { account: "moves", ...place }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CryptoError);
      expect((error as Error).message).not.toContain(value);
    }
    expect(await getClientSecret(store, RING_V1, { account: "moves", client: "from", name: "key" })).toBe(
      value,
    );
    // Leave the moved rows out of the rotation counts below.
    expect(await deleteClientSecret(store, { account: "moves", client: "to", name: "key" })).toBe(true);
    expect(await deleteClientSecret(store, { account: "moves", client: "from", name: "key2" })).toBe(true);
  });

  test("rotation v1 → v2 re-seals every row in batches; a rerun rotates nothing", async () => {
    const values = new Map<string, string>();
    for (let i = 0; i < 7; i += 1) {
      const value = secretValue(`rot${i}`);
      values.set(`s${i}`, value);
      await setClientSecret(store, RING_V1, { account: "rot", client: "svc", name: `s${i}`, value });
    }
    const before = await listClientSecrets(store);
    expect(before.every((s) => s.keyVersion === 1)).toBe(true);
    const sealedBefore = await store.db.select().from(clientSecrets);

    const logged: unknown[] = [];
    const log = { ...silentLogger, info: (_m: string, fields?: unknown) => logged.push(fields) };
    const first = await rotateClientSecrets(store, RING_V2, { batchSize: 3, log });
    expect(first).toEqual({
      rotated: before.length,
      alreadyCurrent: 0,
      missingKey: [],
      unreadable: [],
      skipped: 0,
    });
    expect(logged.length).toBe(Math.ceil(before.length / 3));

    const after = await listClientSecrets(store);
    expect(after.every((s) => s.keyVersion === 2)).toBe(true);
    expect(after.map((s) => s.updatedAt)).toEqual(before.map((s) => s.updatedAt));
    const sealedAfter = await store.db.select().from(clientSecrets);
    for (const row of sealedAfter) {
      expect(sealedBefore.find((b) => b.id === row.id)?.sealed).not.toBe(row.sealed);
    }
    for (const [name, value] of values) {
      expect(await getClientSecret(store, RING_V2, { account: "rot", client: "svc", name })).toBe(value);
      // The old key alone no longer opens them.
      expect(
        await getClientSecret(store, RING_V1, { account: "rot", client: "svc", name }).catch((e) => e),
      ).toBeInstanceOf(CryptoError);
    }
    expect(await rotateClientSecrets(store, RING_V2, { batchSize: 3 })).toEqual({
      rotated: 0,
      alreadyCurrent: before.length,
      missingKey: [],
      unreadable: [],
      skipped: 0,
    });
  });

  test("two rotations at once re-seal each row once", async () => {
    for (let i = 0; i < 9; i += 1) {
      await setClientSecret(store, RING_V1, {
        account: "race",
        client: "svc",
        name: `r${i}`,
        value: secretValue("r"),
      });
    }
    const [a, b] = await Promise.all([
      rotateClientSecrets(store, RING_V2, { batchSize: 2 }),
      rotateClientSecrets(store, RING_V2, { batchSize: 2 }),
    ]);
    expect((a?.rotated ?? 0) + (b?.rotated ?? 0)).toBe(9);
    expect((await listClientSecrets(store, { account: "race" })).every((s) => s.keyVersion === 2)).toBe(true);
  });

  test("rows on a version missing from the ring, or that do not open, are reported and left untouched", async () => {
    await setClientSecret(store, RING_V3, {
      account: "old",
      client: "svc",
      name: "on-v3",
      value: secretValue("v3"),
    });
    await setClientSecret(store, RING_V1, {
      account: "old",
      client: "svc",
      name: "on-v0",
      value: secretValue("v0"),
    });
    await setClientSecret(store, RING_V1, {
      account: "old",
      client: "svc",
      name: "bad",
      value: secretValue("bad"),
    });
    await store.db.execute(sql`update client_secrets set key_version = 0 where name = 'on-v0'`);
    await store.db.execute(
      sql`update client_secrets set sealed = 'AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA' where name = 'bad'`,
    );
    const before = await store.db
      .select()
      .from(clientSecrets)
      .where(sql`${clientSecrets.name} in ('on-v3', 'on-v0', 'bad')`);

    const result = await rotateClientSecrets(store, RING_V2);
    expect(result.rotated).toBe(0);
    expect(result.skipped).toBe(0);
    expect(result.alreadyCurrent).toBe(
      (await listClientSecrets(store)).filter((s) => s.keyVersion === 2).length,
    );
    const sortByName = <T extends { name: string }>(rows: T[]) =>
      [...rows].sort((x, y) => x.name.localeCompare(y.name));
    expect(sortByName(result.missingKey)).toEqual([
      { account: "old", client: "svc", name: "on-v0", keyVersion: 0 },
      { account: "old", client: "svc", name: "on-v3", keyVersion: 3 },
    ]);
    expect(result.unreadable).toEqual([{ account: "old", client: "svc", name: "bad", keyVersion: 1 }]);

    for (const row of before) {
      const [now] = await store.db.select().from(clientSecrets).where(eq(clientSecrets.id, row.id));
      expect(now).toEqual(row);
    }
    // A rerun reports the same rows again and still changes nothing.
    const rerun = await rotateClientSecrets(store, RING_V2, { batchSize: 1 });
    expect(rerun.rotated).toBe(0);
    expect(sortByName(rerun.missingKey)).toEqual(sortByName(result.missingKey));
    expect(rerun.unreadable).toEqual(result.unreadable);
  });
}

describeWithServices("client secrets: postgres", () => {
  let database: TestDatabase;
  cases(async () => {
    database = await createTestDatabase();
    return openStore({
      postgres: { url: database.url },
      embedded: { dataDir: "/nonexistent" },
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await database?.drop();
  });
});

describe("client secrets: embedded", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "alkhub-secrets-"));
  cases(() => openStore({ embedded: { dataDir }, log: silentLogger, command: "alkhub test" }));
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });
});
