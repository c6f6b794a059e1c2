import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDataKeyEntry } from "../crypto/index.ts";
import { ConfigError } from "../errors.ts";
import { encryptConfigValue } from "./encrypted.ts";
import { loadConfig, loadHubConfig, parseConfigText } from "./load.ts";

const dir = await mkdtemp(join(tmpdir(), "alkhub-load-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const master = new Uint8Array(randomBytes(32));
const FILE = "/etc/alkhub/config.json";

function configError(text: string, key = master): ConfigError {
  try {
    parseConfigText(text, { file: FILE, masterKey: key });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfigText", () => {
  test("an empty object resolves to every default", () => {
    const config = parseConfigText("{}", { file: FILE, masterKey: master });
    expect(config.server).toEqual({
      host: "0.0.0.0",
      port: 3000,
      trustProxy: false,
      allowedOrigins: [],
      allowedHosts: [],
    });
    expect(config.embedded.dataDir).toBe("/etc/alkhub/data");
    expect(config.postgres).toBeUndefined();
    expect(config.redis).toBeUndefined();
    expect(config.logging).toEqual({ level: "info", format: "json" });
    expect(config.development).toBe(false);
    expect(config.limits).toEqual({
      maxFrameBytes: 1_048_576,
      maxOperationsPerSpoke: 1000,
      maxSchemaBytes: 65_536,
      maxInFlightPerConnection: 1024,
      badFramesPerMinute: 20,
      backpressureBytes: 1_048_576,
      heartbeatMs: 10_000,
      maxJsonDepth: 256,
      maxBodyBytes: 1_048_576,
      perKey: {
        enabled: true,
        callsPerSecond: 1000,
        callBurst: 2000,
        maxInFlight: 512,
        maxMcpSessions: 64,
        maxConnections: 64,
      },
      authFailures: { perAddressPerMinute: 30, perKeyIdPerMinute: 10 },
    });
    expect(config.router).toEqual({
      defaultTimeoutMs: 60_000,
      maxTimeoutMs: 3_600_000,
      remoteAckMs: 2000,
      validateOutput: false,
    });
    expect(config.startup.connectTimeoutMs).toBe(30_000);
    expect(config.shutdown.graceMs).toBe(20_000);
    expect(config.metrics.requireKey).toBe(false);
    expect(config.audit).toEqual({
      enabled: true,
      retentionDays: 7,
      batchSize: 5000,
      flushIntervalMs: 1000,
      queueLimit: 100_000,
      spillMaxBytes: 67_108_864,
    });
  });

  test("both connection forms get their defaults; encrypted sections decrypt", () => {
    const redis = encryptConfigValue(master, "/redis", JSON.stringify({ host: "cache", password: "pw" }));
    const config = parseConfigText(
      JSON.stringify({
        postgres: { host: "db", user: "u", database: "hub" },
        redis,
        embedded: { dataDir: "/abs" },
      }),
      { file: FILE, masterKey: master },
    );
    expect(config.postgres).toEqual({
      host: "db",
      port: 5432,
      user: "u",
      database: "hub",
      maxConnections: 10,
    });
    expect(config.redis).toEqual({ host: "cache", port: 6379, password: "pw", db: 0, tls: false });
    expect(config.embedded.dataDir).toBe("/abs");
    const byUrl = parseConfigText('{"postgres":{"url":"postgres://x/y"},"redis":{"url":"redis://r"}}', {
      file: FILE,
      masterKey: master,
    });
    expect(byUrl.postgres).toEqual({ url: "postgres://x/y", maxConnections: 10 });
  });

  test("unknown key and wrong type name the file, the path and what was expected", () => {
    const error = configError('{"server":{"port":"abc","colour":"red"}}');
    expect(error.message.split("\n")).toEqual([
      `${FILE}: /server/colour: unknown key`,
      `${FILE}: /server/port: expected integer, got "abc"`,
    ]);
    expect(error.file).toBe(FILE);
    expect(error.path).toBe("/server/colour");
    expect(configError('{"server":{"port":70000}}').message).toBe(
      `${FILE}: /server/port: expected integer to be less or equal to 65535, got 70000`,
    );
    expect(configError('{"logging":{"level":"loud"}}').message).toBe(
      `${FILE}: /logging/level: expected one of "debug", "info", "warn", "error", got "loud"`,
    );
    expect(configError('{"colour":1}').message).toBe(`${FILE}: /colour: unknown key`);
    expect(configError("[]").message).toBe(`${FILE}: the config must be a JSON object`);
  });

  test("a union section reports the closest form, and hides secret values", () => {
    const error = configError(
      '{"postgres":{"host":"db","user":"u","database":"d","password":12345678,"extra":1}}',
    );
    expect(error.message).toContain(`${FILE}: /postgres/extra: unknown key`);
    expect(error.message).toContain(
      `${FILE}: /postgres/password: expected string, got a number (value hidden)`,
    );
    expect(error.message).not.toContain("12345678");
    const asUrl = configError('{"postgres":"postgres://u:hunter2@db/hub"}');
    expect(asUrl.message).toBe(`${FILE}: /postgres: expected object, got a string (value hidden)`);
    const missing = configError('{"postgres":{"host":"db"}}');
    expect(missing.message).toContain("/postgres/user: required key is missing");
  });

  test("problems inside an encrypted section never show their values", () => {
    const redis = encryptConfigValue(
      master,
      "/redis",
      JSON.stringify({ host: "secret-host", port: "secret-port" }),
    );
    const error = configError(JSON.stringify({ redis }));
    expect(error.message).toBe(`${FILE}: /redis/port: expected integer, got a string (value hidden)`);
  });

  test("lists at most ten problems", () => {
    const limits = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]));
    const lines = configError(JSON.stringify({ limits })).message.split("\n");
    expect(lines.length).toBe(11);
    expect(lines[10]).toBe(`${FILE}: … and 2 more problems`);
  });

  test("corrupt, tampered and moved encrypted values name the path, never the plaintext", () => {
    const good = encryptConfigValue(master, "/redis/password", "hunter2-plain");
    const last = good.at(-3) === "A" ? "B" : "A";
    const tampered = `${good.slice(0, -3)}${last}${good.slice(-2)}`;
    for (const value of [tampered, "enc:v1:zz", good.replace("enc:v1:", "enc:v9:")]) {
      const error = configError(JSON.stringify({ redis: { host: "r", password: value } }));
      expect(error.message).toStartWith(`${FILE}: /redis/password: `);
      expect(error.message).not.toContain("hunter2");
    }
    const moved = configError(
      JSON.stringify({ postgres: { host: "h", user: "u", database: "d", password: good } }),
    );
    expect(moved.message).toContain("/postgres/password: encrypted value could not be decrypted");
    expect(moved.message).toContain("moved from another path");
    const wrongKey = configError(
      JSON.stringify({ redis: { host: "r", password: good } }),
      new Uint8Array(randomBytes(32)),
    );
    expect(wrongKey.message).toContain("wrong master key");
  });

  test("encryptionKeys is checked at load; errors name the entry, not the key", () => {
    const entry = generateDataKeyEntry(1);
    const ok = parseConfigText(
      JSON.stringify({ encryptionKeys: encryptConfigValue(master, "/encryptionKeys", entry) }),
      {
        file: FILE,
        masterKey: master,
      },
    );
    expect(ok.encryptionKeys).toBe(entry);
    const bad = `${entry},${entry}`;
    const error = configError(
      JSON.stringify({ encryptionKeys: encryptConfigValue(master, "/encryptionKeys", bad) }),
    );
    expect(error.message).toBe(`${FILE}: /encryptionKeys: encryptionKeys entry 2: version v1 appears twice`);
    expect(error.message).not.toContain(entry.slice(3));
  });

  test("cross-field: the default timeout may not exceed the maximum", () => {
    expect(configError('{"router":{"defaultTimeoutMs":10,"maxTimeoutMs":5}}').message).toContain(
      "/router/defaultTimeoutMs: must not exceed /router/maxTimeoutMs (5), got 10",
    );
  });

  test("invalid JSON gives line and column", () => {
    expect(configError('{\n  "server": {\n    "port": 3000,\n  }\n}').message).toBe(
      `${FILE}: invalid JSON at line 4, column 3: expected a property name in double quotes`,
    );
  });
});

describe("loadConfig / loadHubConfig", () => {
  test("a missing file is named", async () => {
    const path = join(dir, "missing.json");
    await expect(loadConfig({ path, masterKey: master })).rejects.toThrow(`config file ${path} not found`);
  });

  test("finds alkhub.json and alkhub.key in cwd; a wrong-length key is refused", async () => {
    const work = await mkdtemp(join(dir, "hub-"));
    await writeFile(join(work, "alkhub.json"), '{"embedded":{"dataDir":"state"}}');
    await writeFile(join(work, "alkhub.key"), `${Buffer.from(master).toString("base64")}\n`, { mode: 0o600 });
    const loaded = await loadHubConfig({ cwd: work, env: {}, exists: () => false });
    expect(loaded.configPath).toBe(join(work, "alkhub.json"));
    expect(loaded.configSource).toBe("local");
    expect(loaded.masterKeyPath).toBe(join(work, "alkhub.key"));
    expect(loaded.masterKey).toEqual(master);
    expect(loaded.config.embedded.dataDir).toBe(join(work, "state"));

    const shortKey = join(work, "short.key");
    await writeFile(shortKey, Buffer.from(randomBytes(16)).toString("base64"));
    const error = await loadHubConfig({
      cwd: work,
      env: {},
      masterKeyFlag: shortKey,
      exists: () => false,
    }).catch((e: unknown) => e as ConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `master key file ${shortKey} must hold 32 bytes in base64; it holds 16`,
    );
  });

  test("admin.socket: the data dir by default when embedded, none by default on Postgres, else as configured", async () => {
    const work = await mkdtemp(join(dir, "socket-"));
    const load = async (config: unknown) => {
      const path = join(work, "alkhub.json");
      await writeFile(path, JSON.stringify(config));
      return (await loadConfig({ path, masterKey: master })).admin.socket;
    };
    expect(await load({ embedded: { dataDir: "state" } })).toBe(join(work, "state", "admin.sock"));
    expect(await load({ postgres: { url: "postgres://postgres@127.0.0.1:5432/test" } })).toBe(false);
    expect(
      await load({
        postgres: { url: "postgres://postgres@127.0.0.1:5432/test" },
        admin: { socket: "run/a.sock" },
      }),
    ).toBe(join(work, "run", "a.sock"));
    expect(await load({ admin: { socket: false } })).toBe(false);
  });

  test("with no config at all, the local lookup suggests alkhub init", async () => {
    const empty = await mkdtemp(join(dir, "empty-"));
    await expect(loadHubConfig({ cwd: empty, env: {}, exists: () => false })).rejects.toThrow(
      `config file ${join(empty, "alkhub.json")} not found (run 'alkhub init' to create one)`,
    );
  });
});
