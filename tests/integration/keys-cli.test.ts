/**
 * `alkhub keys` and `alkhub migrate` end to end against a real Postgres database with no hub running: the keys
 * command finds no hub and opens the store itself (cli-client.test.ts covers the running hubs).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { verifyApiKey } from "../../src/auth/index.ts";
import { createKeysCommand } from "../../src/cli/keys.ts";
import { createMigrateCommand } from "../../src/cli/migrate.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { silentLogger } from "../../src/log/index.ts";
import { migrations, openStore, type Store } from "../../src/store/index.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { createTestDatabase, describeWithServices, type TestDatabase } from "../support/services.ts";

describeWithServices("keys and migrate commands", () => {
  let database: TestDatabase;
  let files: HubFiles;
  const opened: Array<{ config?: string; masterKeyFile?: string }> = [];
  const open = async (flags: { config?: string; masterKeyFile?: string }): Promise<Store> => {
    opened.push(flags);
    return openStore({
      postgres: { url: database.url },
      embedded: { dataDir: "/unused" },
      log: silentLogger,
    });
  };
  const run = async (command: ReturnType<typeof createKeysCommand>, argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await command.run(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    files = await writeHubFiles({ mode: "services", database });
  });
  afterAll(async () => {
    await files?.cleanup();
    await database?.drop();
  });

  test("migrate --status, migrate, migrate again", async () => {
    const migrate = createMigrateCommand(open);
    const before = await run(migrate, [
      "--status",
      "--config",
      "/x/alkhub.json",
      "--master-key-file",
      "/x/k",
    ]);
    expect(before.code).toBe(EXIT_CODES.OK);
    expect(before.out).toMatch(/MIGRATION\s+STATE\n0000_init\s+pending/);
    expect(opened.at(-1)).toEqual({ config: "/x/alkhub.json", masterKeyFile: "/x/k" });
    expect((await run(migrate, [])).out).toBe(`applied ${migrations.length} migrations`);
    expect((await run(migrate, [])).out).toBe("applied 0 migrations");
    expect((await run(migrate, ["--status"])).out).toMatch(/0000_init\s+applied/);
  });

  test("keys create prints the key once on stdout; list, show and revoke work on it", async () => {
    const keys = createKeysCommand();
    const where = ["--config", files.configPath, "--master-key-file", files.keyPath];
    const created = await run(keys, [
      "create",
      "--name",
      "deploy bot",
      "--scopes",
      "call,read",
      "--account",
      "acme",
      "--operations",
      "fs.*,git.?",
      "--expires",
      "30d",
      ...where,
    ]);
    expect(created.code).toBe(EXIT_CODES.OK);
    expect(created.out).toMatch(/^alk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toContain("cannot be shown again");
    expect(created.err).not.toContain(created.out);
    const id = created.out.slice(4, 16);

    const store = await open({});
    try {
      const verified = await verifyApiKey(store, created.out);
      expect(verified.ok && verified.identity.operations).toEqual(["fs.*", "git.?"]);
    } finally {
      await store.close();
    }

    const listed = await run(keys, ["list", ...where]);
    expect(listed.out).toMatch(
      /^ID\s+ACCOUNT\s+NAME\s+SCOPES\s+GLOBS\s+CREATED\s+EXPIRES\s+LAST USED\s+STATUS/,
    );
    const line = listed.out.split("\n").find((l) => l.startsWith(id)) ?? "";
    expect(line).toContain("acme");
    expect(line).toContain("deploy bot");
    expect(line).toContain("call,read");
    expect(line).toContain("ops=fs.*,git.?");
    expect(line).toMatch(/active$/);
    expect(listed.out).not.toContain(created.out);
    expect((await run(keys, ["show", id, ...where])).out).toMatch(/^id\s+[A-Za-z0-9]{12}\naccount\s+acme/);

    expect((await run(keys, ["revoke", id, ...where])).out).toBe(
      `revoked key ${id} (deploy bot, account acme): now revoked`,
    );
    expect((await run(keys, ["list", ...where])).out.split("\n").find((l) => l.startsWith(id))).toMatch(
      /revoked$/,
    );
    // Revoking again changes nothing and says so the same way (the API's DELETE is idempotent).
    expect((await run(keys, ["revoke", id, ...where])).code).toBe(EXIT_CODES.OK);
    const unknown = await run(keys, ["revoke", "AAAAAAAAAAAA", ...where]);
    expect(unknown.code).toBe(EXIT_CODES.FAILURE);
    expect(unknown.err).toContain("no key with id AAAAAAAAAAAA");
  });
});
