/**
 * The CLI as a client of the admin API (issue #16): `alkhub keys|secrets|…` run as real processes against a
 * running hub of this test mode (embedded or Postgres) through its local admin socket, through --url/--key-file,
 * and with no hub running (the store opened directly); the socket's permissions and stale-socket takeover; a fresh
 * Postgres database migrated before a write. Never a "stop the hub".
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createApiKey } from "../../src/auth/index.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { connectSpoke } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import { writeHubFiles } from "../support/hub-files.ts";
import { createScratchDatabase } from "../support/scratch-database.ts";
import { describeWithServices, TEST_MODE } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";
import { commonOperations } from "../support/test-operations.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const CLI_TIMEOUT_MS = 120_000;

interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `alkhub <argv>` as its own process (async: the hub under test lives in this process). */
async function cli(argv: string[], options: { stdin?: string } = {}): Promise<CliResult> {
  const child = Bun.spawn([process.execPath, MAIN, ...argv], {
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const result = { code, out: out.trim(), err: err.trim() };
  expect(`${result.out}\n${result.err}`).not.toMatch(/stop (the|that) (hub|process)/i);
  return result;
}

/** `--config` and `--master-key-file` of a hub's files. */
function configFlags(files: { configPath: string; keyPath: string }): string[] {
  return ["--config", files.configPath, "--master-key-file", files.keyPath];
}

/** Status of a bearer request to the hub's API with `key`. */
async function statusWithKey(url: string, key: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/keys?limit=1`, { headers: { authorization: `Bearer ${key}` } });
  await response.body?.cancel();
  return response.status;
}

describe(`alkhub admin commands against a running ${TEST_MODE} hub`, () => {
  let hub: TestHub;
  let flags: string[];
  let adminKeyFile: string;

  beforeAll(async () => {
    // A Postgres hub has no socket unless its config names one (docs/configuration.md › Admin socket); the
    // embedded hub's default is this same path.
    hub = await startTestHub({ extra: { admin: { socket: "data/admin.sock" } } });
    flags = configFlags(hub.files);
  }, CLI_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.stop();
  }, CLI_TIMEOUT_MS);

  test(
    "keys create/list/revoke go through the admin socket; the revoked key is refused by the hub at once",
    async () => {
      const created = await cli(["keys", "create", "--name", "ops", "--scopes", "admin", "--json", ...flags]);
      expect(created.err).toBe("");
      expect(created.code).toBe(EXIT_CODES.OK);
      const key = JSON.parse(created.out) as { id: string; key: string; status: string; scopes: string[] };
      expect(key.key).toMatch(/^alk_[A-Za-z0-9]{12}_/);
      expect(key.status).toBe("active");
      expect(key.scopes).toEqual(["admin"]);
      expect(await statusWithKey(hub.url, key.key)).toBe(200);
      adminKeyFile = join(hub.files.dir, "admin.key");
      writeFileSync(adminKeyFile, `${key.key}\n`, { mode: 0o600 });

      const listed = await cli(["keys", "list", ...flags]);
      expect(listed.code).toBe(EXIT_CODES.OK);
      expect(listed.out).toMatch(
        /^ID\s+ACCOUNT\s+NAME\s+SCOPES\s+GLOBS\s+CREATED\s+EXPIRES\s+LAST USED\s+STATUS/,
      );
      expect(listed.out.split("\n").find((line) => line.startsWith(key.id))).toMatch(/\bops\b.*active$/);
      expect(listed.out).not.toContain(key.key);
      const listedJson = JSON.parse((await cli(["keys", "list", "--json", ...flags])).out) as Array<{
        id: string;
      }>;
      expect(listedJson.map((k) => k.id)).toContain(key.id);

      const victim = JSON.parse(
        (await cli(["keys", "create", "--name", "victim", "--scopes", "read", "--json", ...flags])).out,
      ) as { id: string; key: string };
      expect(await statusWithKey(hub.url, victim.key)).toBe(403);
      const revoked = await cli(["keys", "revoke", victim.id, ...flags]);
      expect(revoked).toMatchObject({ code: EXIT_CODES.OK, err: "" });
      expect(revoked.out).toBe(`revoked key ${victim.id} (victim, account admin): now revoked`);
      // Refused on the very next request: the hub did the revocation itself.
      expect(await statusWithKey(hub.url, victim.key)).toBe(401);
      const again = await cli(["keys", "show", victim.id, "--json", ...flags]);
      expect(JSON.parse(again.out)).toMatchObject({ id: victim.id, status: "revoked" });
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "disable and enable a key; a missing key is exit 1; a bad argument is exit 64 before anything opens",
    async () => {
      const made = JSON.parse(
        (await cli(["keys", "create", "--name", "pausable", "--scopes", "read", "--json", ...flags])).out,
      ) as { id: string; key: string };
      expect((await cli(["keys", "disable", made.id, ...flags])).out).toContain("now disabled");
      expect(await statusWithKey(hub.url, made.key)).toBe(401);
      expect((await cli(["keys", "enable", made.id, ...flags])).out).toContain("now active");
      await eventually(async () => (await statusWithKey(hub.url, made.key)) === 403, {
        what: "key enabled again",
      });

      const missing = await cli(["keys", "show", "AAAAAAAAAAAA", ...flags]);
      expect(missing.code).toBe(EXIT_CODES.FAILURE);
      expect(missing.err).toContain("no key with id AAAAAAAAAAAA");
      const bad = await cli(["keys", "create", "--name", "x", "--scopes", "root", ...flags]);
      expect(bad.code).toBe(EXIT_CODES.USAGE);
      expect(bad.err).toContain("unknown scope 'root'");
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "--url with --key-file reaches the same hub over HTTP; a key without scope admin is refused (exit 1)",
    async () => {
      const viaUrl = await cli(["keys", "list", "--json", "--url", hub.url, "--key-file", adminKeyFile]);
      expect(viaUrl.code).toBe(EXIT_CODES.OK);
      expect((JSON.parse(viaUrl.out) as Array<{ name: string }>).map((k) => k.name)).toContain("ops");

      const reader = JSON.parse(
        (await cli(["keys", "create", "--name", "reader", "--scopes", "read", "--json", ...flags])).out,
      ) as { key: string };
      const readerFile = join(hub.files.dir, "reader.key");
      writeFileSync(readerFile, reader.key, { mode: 0o600 });
      const refused = await cli(["keys", "list", "--url", hub.url, "--key-file", readerFile]);
      expect(refused.code).toBe(EXIT_CODES.FAILURE);
      expect(refused.err).toContain("scope admin");
      expect(refused.err).not.toContain(reader.key);

      expect((await cli(["keys", "list", "--url", hub.url])).code).toBe(EXIT_CODES.USAGE);
      const down = await cli(["keys", "list", "--url", "http://127.0.0.1:1", "--key-file", adminKeyFile]);
      expect(down.code).toBe(EXIT_CODES.UNAVAILABLE);
      expect(down.err).toContain("did not answer");
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "secrets set/list/delete through the socket; values never printed",
    async () => {
      const value = `tok-${crypto.randomUUID()}`;
      const set = await cli(["secrets", "set", "--client", "github", "--name", "token", ...flags], {
        stdin: `${value}\n`,
      });
      expect(set).toMatchObject({ code: EXIT_CODES.OK, err: "" });
      expect(set.out).toBe("stored secret github/token of account admin (data key v1)");
      const listed = await cli(["secrets", "list", "--json", ...flags]);
      const rows = JSON.parse(listed.out) as Array<{ client: string; name: string; version: number }>;
      expect(rows).toContainEqual(expect.objectContaining({ client: "github", name: "token", version: 1 }));
      expect(listed.out).not.toContain(value);
      expect((await cli(["secrets", "delete", "--client", "github", "--name", "token", ...flags])).code).toBe(
        EXIT_CODES.OK,
      );
      const gone = await cli(["secrets", "delete", "--client", "github", "--name", "token", ...flags]);
      expect(gone.code).toBe(EXIT_CODES.FAILURE);
      expect(`${set.out}${set.err}${gone.err}`).not.toContain(value);
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "spokes list/show/disable/enable, calls list and audit list through the socket; --json parses",
    async () => {
      const spokeKey = JSON.parse(
        (
          await cli([
            "keys",
            "create",
            "--name",
            "spoke",
            "--scopes",
            "spoke,call",
            "--spoke-names",
            "cli1",
            "--json",
            ...flags,
          ])
        ).out,
      ) as { key: string; id: string };
      const spoke = await connectSpoke({
        url: `${hub.url.replace("http", "ws")}/ws`,
        token: spokeKey.key,
        name: "cli1",
        operations: commonOperations,
        reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      });
      try {
        const listed = await cli(["spokes", "list", "--json", ...flags]);
        expect(listed.code).toBe(EXIT_CODES.OK);
        expect(JSON.parse(listed.out)).toContainEqual(
          expect.objectContaining({ name: "cli1", status: "online", disabled: false }),
        );
        expect((await cli(["spokes", "list", ...flags])).out).toMatch(
          /^NAME\s+ACCOUNT\s+STATUS[\s\S]*\ncli1\s+\S+\s+online/,
        );
        expect((await cli(["spokes", "show", "cli1", ...flags])).out).toContain("math.add");

        const call = await fetch(`${hub.url}/api/v1/operations/cli1.math.add/call`, {
          method: "POST",
          headers: { authorization: `Bearer ${spokeKey.key}`, "content-type": "application/json" },
          body: JSON.stringify({ a: 2, b: 3 }),
        });
        expect(call.status).toBe(200);
        await call.body?.cancel();
        const calls = await eventually(
          async () => {
            const answer = await cli(["calls", "list", "--operation", "cli1.math.add", "--json", ...flags]);
            const items = JSON.parse(answer.out) as Array<{ outcome: string; callerKeyId: string }>;
            return items.length > 0 && items;
          },
          { what: "the call's audit row", timeoutMs: 60_000 },
        );
        expect(calls[0]).toMatchObject({ outcome: "ok", callerKeyId: spokeKey.id });
        expect(
          (await cli(["calls", "list", "--outcome", "error", "--since", "1h", "--json", ...flags])).out,
        ).toBe("[]");
        expect((await cli(["calls", "list", "--since", "tomorrow", ...flags])).code).toBe(EXIT_CODES.USAGE);

        const disabled = await cli(["spokes", "disable", "cli1", ...flags]);
        expect(disabled.code).toBe(EXIT_CODES.OK);
        expect(disabled.out).toMatch(/^disabled spoke cli1/);
        const after = JSON.parse((await cli(["spokes", "show", "cli1", "--json", ...flags])).out);
        expect(after).toMatchObject({ name: "cli1", disabled: true });
        expect((await cli(["spokes", "enable", "cli1", ...flags])).out).toMatch(/^enabled spoke cli1/);
        expect((await cli(["spokes", "show", "nosuch", ...flags])).code).toBe(EXIT_CODES.FAILURE);

        // Writes through the socket are audited without a key id, from the address local-socket.
        const audit = JSON.parse(
          (await cli(["audit", "list", "--action", "key.create", "--json", ...flags])).out,
        ) as Array<{
          actorKeyId: string | null;
          address: string | null;
          target: string;
        }>;
        expect(audit).toContainEqual(
          expect.objectContaining({ target: spokeKey.id, actorKeyId: null, address: "local-socket" }),
        );
        const table = await cli(["audit", "list", "--action", "spoke.", "--limit", "5", ...flags]);
        expect(table.out).toMatch(/^AT\s+ACTOR\s+ACTION\s+TARGET\s+OUTCOME\s+ADDRESS/);
        expect(table.out).toContain("spoke.disable");
      } finally {
        await spoke.close();
      }
    },
    CLI_TIMEOUT_MS * 2,
  );

  test("the admin socket is 0600 in a 0700 directory and serves only /api/", async () => {
    const socket = hub.hub.config.admin.socket as string;
    const info = lstatSync(socket);
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
    const mcp = await fetch("http://alkhub.local/mcp", { unix: socket, method: "POST" } as RequestInit);
    expect(mcp.status).toBe(404);
    const keys = await fetch("http://alkhub.local/api/v1/keys?limit=1", { unix: socket } as RequestInit);
    expect(keys.status).toBe(200);
  });

  // Needs root to act as another user (CI runs as root); python3 from /usr/bin, which that user may run.
  const canSwitchUser =
    process.getuid?.() === 0 && existsSync("/usr/bin/setpriv") && existsSync("/usr/bin/python3");
  test.skipIf(!canSwitchUser)("another user cannot open the admin socket", async () => {
    const socket = hub.hub.config.admin.socket as string;
    const probe = Bun.spawn(
      [
        "/usr/bin/setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "/usr/bin/python3",
        "-c",
        "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n s.connect(sys.argv[1]); print('connected')\nexcept OSError as e:\n print(type(e).__name__)",
        socket,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [out, code] = await Promise.all([new Response(probe.stdout).text(), probe.exited]);
    expect(code).toBe(0);
    expect(out.trim()).toBe("PermissionError");
  });
});

describe(`alkhub admin commands with no hub running (${TEST_MODE} store opened directly)`, () => {
  test(
    "keys create, list and revoke work on the store; --json parses",
    async () => {
      const files = await writeHubFiles();
      try {
        const flags = configFlags(files);
        const created = await cli([
          "keys",
          "create",
          "--name",
          "offline",
          "--scopes",
          "call",
          "--json",
          ...flags,
        ]);
        expect(created.code).toBe(EXIT_CODES.OK);
        const key = JSON.parse(created.out) as { id: string; status: string };
        expect(key.status).toBe("active");
        const listed = JSON.parse((await cli(["keys", "list", "--json", ...flags])).out) as Array<{
          id: string;
        }>;
        expect(listed.map((k) => k.id)).toEqual([key.id]);
        expect((await cli(["keys", "revoke", key.id, ...flags])).code).toBe(EXIT_CODES.OK);
        const audit = await cli(["audit", "list", "--json", ...flags]);
        expect(audit.code).toBe(EXIT_CODES.OK);
        const actions = (JSON.parse(audit.out) as Array<{ action: string }>).map((r) => r.action);
        expect(actions).toEqual(expect.arrayContaining(["key.create", "key.revoke"]));
        expect(JSON.parse((await cli(["spokes", "list", "--json", ...flags])).out)).toEqual([]);
        expect(JSON.parse((await cli(["calls", "list", "--json", ...flags])).out)).toEqual([]);
        const live = await cli(["spokes", "disable", "cli1", ...flags]);
        expect(live.code).toBe(EXIT_CODES.UNAVAILABLE);
        expect(live.err).toContain("needs a running hub");
      } finally {
        await files.cleanup();
      }
    },
    CLI_TIMEOUT_MS,
  );
});

describe("an embedded hub whose admin socket is off", () => {
  test(
    "the CLI says how to reach it (never to stop it) and works with --url and --key-file",
    async () => {
      const hub = await startTestHub({ mode: "embedded", extra: { admin: { socket: false } } });
      try {
        expect(existsSync(join(hub.files.dir, "data", "admin.sock"))).toBe(false);
        const refused = await cli(["keys", "list", ...configFlags(hub.files)]);
        expect(refused.code).toBe(EXIT_CODES.UNAVAILABLE);
        expect(refused.err).toContain("admin socket is off");
        expect(refused.err).toContain("--url");
        const migrate = await cli(["migrate", "--status", ...configFlags(hub.files)]);
        expect(migrate.code).toBe(EXIT_CODES.UNAVAILABLE);
        expect(migrate.err).toContain("a running hub has them");

        const { key } = await createApiKey(hub.hub.store, {
          account: "admin",
          name: "ops",
          scopes: ["admin"],
        });
        const keyFile = join(hub.files.dir, "ops.key");
        writeFileSync(keyFile, key, { mode: 0o600 });
        const viaUrl = await cli(["keys", "list", "--json", "--url", hub.url, "--key-file", keyFile]);
        expect(viaUrl.code).toBe(EXIT_CODES.OK);
        expect((JSON.parse(viaUrl.out) as Array<{ name: string }>).map((k) => k.name)).toEqual(["ops"]);
        // --key-file alone: the hub at the config's server address. The file said port 0 (any); the hub read it
        // at start, so the port it got can be written in now for the CLI to find.
        const config = JSON.parse(readFileSync(hub.files.configPath, "utf8")) as { server: { port: number } };
        config.server.port = hub.hub.port;
        writeFileSync(hub.files.configPath, JSON.stringify(config), { mode: 0o600 });
        const viaConfig = await cli([
          "keys",
          "list",
          "--json",
          "--key-file",
          keyFile,
          ...configFlags(hub.files),
        ]);
        expect(viaConfig.code).toBe(EXIT_CODES.OK);
        expect((JSON.parse(viaConfig.out) as Array<{ name: string }>).map((k) => k.name)).toEqual(["ops"]);
      } finally {
        await hub.stop();
      }
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "a stale socket left at the path is replaced when the hub starts",
    async () => {
      const files = await writeHubFiles({ mode: "embedded" });
      const socket = join(files.dir, "data", "admin.sock");
      // A socket file nobody listens on: a process listened there and was killed (a crashed hub leaves one).
      const listener = `Bun.listen({ unix: ${JSON.stringify(socket)}, socket: { data() {} } }); process.kill(process.pid, "SIGKILL");`;
      const binder = Bun.spawn([process.execPath, "-e", listener]);
      expect(await binder.exited).not.toBe(0);
      expect(lstatSync(socket).isSocket()).toBe(true);
      const hub = await startTestHub({ files });
      try {
        const listed = await cli(["keys", "list", "--json", ...configFlags(files)]);
        expect(listed.code).toBe(EXIT_CODES.OK);
        expect(JSON.parse(listed.out)).toEqual([]);
      } finally {
        await hub.stop();
        await files.cleanup();
      }
      expect(existsSync(socket)).toBe(false);
    },
    CLI_TIMEOUT_MS,
  );
});

describeWithServices("a fresh Postgres database and no hub", () => {
  test(
    "a read says to run 'alkhub migrate'; a write migrates the database first",
    async () => {
      const database = await createScratchDatabase("alkhub_test_fresh");
      const files = await writeHubFiles({ mode: "services", database });
      try {
        const flags = configFlags(files);
        const read = await cli(["keys", "list", ...flags]);
        expect(read.code).toBe(EXIT_CODES.UNAVAILABLE);
        expect(read.err).toContain("alkhub migrate");
        expect(read.err).not.toMatch(/relation|SQL|select/i);

        const created = await cli(["keys", "create", "--name", "first", "--scopes", "admin", ...flags]);
        expect(created.code).toBe(EXIT_CODES.OK);
        expect(created.out).toMatch(/^alk_/);
        expect(created.err).toContain("migrated the new database first");
        const status = await cli(["migrate", "--status", ...flags]);
        expect(status.out).not.toContain("pending");
        expect((await cli(["keys", "list", ...flags])).out).toContain("first");
      } finally {
        await files.cleanup();
        await database.drop();
      }
    },
    CLI_TIMEOUT_MS,
  );
});
