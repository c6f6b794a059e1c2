/**
 * `alkhub secrets` in-process against a real Postgres database with no hub running (the command opens the store
 * itself and runs the admin routes over it), with the value on a fake stdin. Running hubs: cli-client.test.ts.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { createSecretsCommand } from "../../src/cli/secrets.ts";
import { generateDataKeyEntry, KeyRing } from "../../src/crypto/index.ts";
import { EXIT_CODES, type ExitCode } from "../../src/errors.ts";
import { silentLogger } from "../../src/log/index.ts";
import { getClientSecret } from "../../src/secrets/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { createTestDatabase, describeWithServices, type TestDatabase } from "../support/services.ts";

const V1 = generateDataKeyEntry(1);
const V2 = `${generateDataKeyEntry(2)},${V1}`;
const RING_V1 = KeyRing.parse(V1);
const RING_V2 = KeyRing.parse(V2);
const VALUE = `tok-${crypto.randomUUID()}`;

describeWithServices("secrets command", () => {
  let database: TestDatabase;
  let files: HubFiles;
  let stdin = "";
  let stdinReads = 0;
  let opens = 0;
  const everything: string[] = [];
  const readStdin = async () => {
    stdinReads += 1;
    return stdin;
  };
  const command = createSecretsCommand(undefined, { readStdin });
  const neverOpen = createSecretsCommand(
    async () => {
      opens += 1;
      throw new Error("no target may be opened for a refused command line");
    },
    { readStdin },
  );
  /** Puts `ring` (plaintext data keys) in the config, or takes "encryptionKeys" out. */
  const useKeys = (ring: string | undefined) => {
    const config = JSON.parse(readFileSync(files.configPath, "utf8")) as Record<string, unknown>;
    if (ring === undefined) delete config.encryptionKeys;
    else config.encryptionKeys = ring;
    writeFileSync(files.configPath, JSON.stringify(config), { mode: 0o600 });
  };
  const run = async (argv: string[], input = "", cmd = command) => {
    stdin = input;
    const out: string[] = [];
    const err: string[] = [];
    const where = ["--config", files.configPath, "--master-key-file", files.keyPath];
    const code = await cmd.run([...argv, ...where], { out: (t) => out.push(t), err: (t) => err.push(t) });
    everything.push(...out, ...err);
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  const withStore = async <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    const store = await openStore({
      postgres: { url: database.url },
      embedded: { dataDir: "/unused" },
      log: silentLogger,
    });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    files = await writeHubFiles({ mode: "services", database });
    useKeys(V1);
    await withStore((store) => store.migrate());
  });
  afterAll(async () => {
    await files?.cleanup();
    await database?.drop();
  });

  test("--help documents every subcommand, stdin, how the target is found and the exit codes", async () => {
    const { code, out } = await run(["--help"]);
    expect(code).toBe(EXIT_CODES.OK);
    for (const text of [
      "secrets set",
      "secrets list",
      "secrets delete",
      "secrets rotate",
      "STDIN",
      "admin socket",
      "--url",
      "--json",
    ]) {
      expect(out).toContain(text);
    }
    expect(out).not.toContain("stopped");
    for (const exit of ["0 ", "1 ", "64", "69", "78"])
      expect(out).toMatch(new RegExp(`^  ${exit.trim()}\\s`, "m"));
  });

  test("set reads the value from stdin, strips one newline and never prints it", async () => {
    const created = await run(["set", "--client", "github", "--name", "token"], `${VALUE}\n`);
    expect(created).toEqual({
      code: EXIT_CODES.OK,
      out: "stored secret github/token of account admin (data key v1)",
      err: "",
    });
    expect(
      await withStore((s) =>
        getClientSecret(s, RING_V1, { account: "admin", client: "github", name: "token" }),
      ),
    ).toBe(VALUE);
    const replaced = await run(
      ["set", "--client", "github", "--name", "token", "--account", "admin"],
      `${VALUE}\n\n`,
    );
    expect(replaced.out).toBe("stored secret github/token of account admin (data key v1)");
    expect(
      await withStore((s) =>
        getClientSecret(s, RING_V1, { account: "admin", client: "github", name: "token" }),
      ),
    ).toBe(`${VALUE}\n`);
    await run(["set", "--client", "github", "--name", "token"], `${VALUE}\r\n`);
    expect(
      await withStore((s) =>
        getClientSecret(s, RING_V1, { account: "admin", client: "github", name: "token" }),
      ),
    ).toBe(VALUE);
  });

  test("set refuses an empty value, bad names and a value in argv before opening anything; no data keys is 69", async () => {
    const cases: Array<[string[], string, ExitCode, string]> = [
      [
        ["set", "--client", "c", "--name", "n"],
        "",
        EXIT_CODES.USAGE,
        "value: a secret value must not be empty",
      ],
      [["set", "--client", "c", "--name", "n"], "\n", EXIT_CODES.USAGE, "must not be empty"],
      [
        ["set", "--client", "../c", "--name", "n"],
        VALUE,
        EXIT_CODES.USAGE,
        'client: "../c" is not a valid client name',
      ],
      [
        ["set", "--client", "c", "--name", "a b"],
        VALUE,
        EXIT_CODES.USAGE,
        'name: "a b" is not a valid secret name',
      ],
      [["set", "--name", "n"], VALUE, EXIT_CODES.USAGE, "--client is required"],
      [["set", "--client", "c", "--name", "n", "--value", VALUE], "", EXIT_CODES.USAGE, "--value"],
      [["set", "--client", "c", "--name", "n", VALUE], "", EXIT_CODES.USAGE, "unexpected argument"],
      [
        ["set", "--client", "c", "--name", "n", "--batch-size", "2"],
        VALUE,
        EXIT_CODES.USAGE,
        "not valid with 'set'",
      ],
    ];
    for (const [argv, input, code, message] of cases) {
      const result = await run(argv, input, neverOpen);
      expect(result.code).toBe(code);
      expect(result.err).toContain(message);
      expect(result.out).toBe("");
    }
    expect(opens).toBe(0);
    useKeys(undefined);
    const noRing = await run(["set", "--client", "c", "--name", "n"], VALUE);
    useKeys(V1);
    expect(noRing.code).toBe(EXIT_CODES.UNAVAILABLE);
    expect(noRing.err).toContain('the config has no "encryptionKeys"');
  });

  test("list prints a table without values; filters by account and client; --json parses", async () => {
    expect(
      (await run(["set", "--client", "slack", "--name", "hook", "--account", "acme"], "x-hook")).code,
    ).toBe(0);
    const reads = stdinReads;
    const all = await run(["list"]);
    expect(all.code).toBe(EXIT_CODES.OK);
    const lines = all.out.split("\n");
    expect(lines[0]).toMatch(/^ACCOUNT\s+CLIENT\s+NAME\s+KEY\s+CREATED\s+UPDATED\s+LAST USED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ["acme", "slack", "hook", "v1"],
      ["admin", "github", "token", "v1"],
    ]);
    expect(all.out).not.toContain("x-hook");
    expect((await run(["list", "--account", "acme"])).out.split("\n").length).toBe(2);
    expect((await run(["list", "--client", "github"])).out).toContain("github");
    expect((await run(["list", "--client", "nobody"])).out.split("\n").length).toBe(1);
    expect((await run(["list", "--name", "x"])).code).toBe(EXIT_CODES.USAGE);
    const json = JSON.parse((await run(["list", "--json", "--account", "acme"])).out);
    expect(json).toEqual([
      expect.objectContaining({ account: "acme", client: "slack", name: "hook", version: 1 }),
    ]);
    expect(stdinReads).toBe(reads);
  });

  test("delete removes one secret; deleting it again exits 1", async () => {
    expect(await run(["delete", "--client", "slack", "--name", "hook", "--account", "acme"])).toEqual({
      code: EXIT_CODES.OK,
      out: "deleted secret slack/hook of account acme",
      err: "",
    });
    const again = await run(["delete", "--client", "slack", "--name", "hook", "--account", "acme"]);
    expect(again.code).toBe(EXIT_CODES.FAILURE);
    expect(again.err).toContain("no secret hook of client slack in account acme");
    expect((await run(["delete", "--client", "slack"])).code).toBe(EXIT_CODES.USAGE);
  });

  test("rotate re-seals to the current key, exits 0, and 1 while a row is on a missing key", async () => {
    await run(["set", "--client", "github", "--name", "second"], "two");
    useKeys(V2);
    const first = await run(["rotate", "--batch-size", "1"]);
    expect(first.code).toBe(EXIT_CODES.OK);
    expect(first.out).toBe("rotated: 2\nalready current: 0\nmissing key: 0");
    expect((await run(["rotate"])).out).toBe("rotated: 0\nalready current: 2\nmissing key: 0");
    expect(
      await withStore((s) =>
        getClientSecret(s, RING_V2, { account: "admin", client: "github", name: "token" }),
      ),
    ).toBe(VALUE);

    await withStore((s) =>
      s.db.execute(sql`update client_secrets set key_version = 0 where name = 'second'`),
    );
    const missing = await run(["rotate"]);
    expect(missing.code).toBe(EXIT_CODES.FAILURE);
    expect(missing.out).toMatch(
      /missing key: 1\n\s+ACCOUNT\s+CLIENT\s+NAME\s+KEY\n\s+admin\s+github\s+second\s+v0/,
    );
    expect(missing.err).toContain("some secrets remain on an old data key");

    for (const argv of [
      ["rotate", "--batch-size", "0"],
      ["rotate", "--batch-size", "x"],
      ["rotate", "--client", "c"],
    ]) {
      expect((await run(argv, "", neverOpen)).code).toBe(EXIT_CODES.USAGE);
    }
    useKeys(undefined);
    expect((await run(["rotate"])).code).toBe(EXIT_CODES.UNAVAILABLE);
    useKeys(V2);
  });

  test("unknown or missing subcommands are usage errors; no output ever held the value", async () => {
    expect((await run([], "", neverOpen)).code).toBe(EXIT_CODES.USAGE);
    expect((await run(["get", "--client", "c", "--name", "n"], "", neverOpen)).err).toContain(
      "unknown subcommand (expected set, list, delete or rotate)",
    );
    for (const text of everything) expect(text).not.toContain(VALUE);
  });
});
