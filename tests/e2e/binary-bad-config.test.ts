// alkhub-test: once
/** Bad configs make the compiled binary exit non-zero with a message that names the path and no secret. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encryptConfigValue } from "../../src/config/index.ts";
import { runBinary } from "../support/binary.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";

const SECRET_PASSWORD = "s3cret-Passw0rd-never-shown";
let files: HubFiles;

beforeAll(async () => {
  files = await writeHubFiles({ mode: "embedded" });
});
afterAll(async () => {
  await files?.cleanup();
});

function writeConfig(name: string, config: unknown): string {
  const path = join(files.dir, name);
  writeFileSync(path, typeof config === "string" ? config : JSON.stringify(config), { mode: 0o600 });
  return path;
}

async function check(configPath: string, keyPath = files.keyPath) {
  // `serve` must fail in load-config, before it touches any store or port.
  const result = await runBinary([
    "serve",
    "--config",
    configPath,
    "--master-key-file",
    keyPath,
    "--port",
    "0",
  ]);
  const output = result.stdout + result.stderr;
  expect(output).not.toContain(SECRET_PASSWORD);
  expect(output).not.toContain(readFileSync(files.keyPath, "utf8").trim());
  return { ...result, output };
}

const sealedPostgres = () =>
  encryptConfigValue(
    files.masterKey,
    "/postgres",
    JSON.stringify({ url: `postgres://u:${SECRET_PASSWORD}@h/db` }),
  );

test("unknown key: exit 78 naming the path", async () => {
  const result = await check(writeConfig("unknown.json", { server: { colour: "red" } }));
  expect(result.exitCode).toBe(78);
  expect(result.output).toContain("/server/colour");
  expect(result.output).toContain("unknown.json");
});

test("wrong type: exit 78 naming the path and what was expected", async () => {
  const result = await check(writeConfig("type.json", { server: { port: "abc" } }));
  expect(result.exitCode).toBe(78);
  expect(result.output).toContain("/server/port");
  expect(result.output).toContain("integer");
});

test("corrupt enc: value: exit 78 naming the path", async () => {
  const result = await check(writeConfig("corrupt.json", { postgres: "enc:v1:not-base64!:zzz" }));
  expect(result.exitCode).toBe(78);
  expect(result.output).toContain("/postgres");
});

test("tampered enc: value: exit 78 naming the path, no plaintext", async () => {
  const sealed = sealedPostgres();
  const flipped = sealed.slice(0, -3) + (sealed.at(-3) === "A" ? "B" : "A") + sealed.slice(-2);
  const result = await check(writeConfig("tampered.json", { postgres: flipped }));
  expect(result.exitCode).toBe(78);
  expect(result.output).toContain("/postgres");
});

test("an encrypted value moved to another path does not decrypt", async () => {
  const result = await check(writeConfig("moved.json", { redis: sealedPostgres() }));
  expect(result.exitCode).toBe(78);
  expect(result.output).toContain("/redis");
});

test("wrong-length master key: exit 78 naming the key file", async () => {
  const keyPath = join(files.dir, "short.key");
  writeFileSync(keyPath, Buffer.alloc(31, 7).toString("base64"), { mode: 0o600 });
  const result = await check(writeConfig("ok.json", { postgres: sealedPostgres() }), keyPath);
  expect(result.exitCode).toBe(78);
  expect(result.output).toContain("short.key");
  expect(result.output).toContain("32 bytes");
});

test("missing config file: exit 78 naming it", async () => {
  const result = await check(join(files.dir, "does-not-exist.json"));
  expect(result.exitCode).toBe(78);
  expect(result.output).toContain("does-not-exist.json");
});

test("invalid JSON: exit 78 with line and column, without quoting the text", async () => {
  const result = await check(writeConfig("broken.json", `{\n  "postgres": "${SECRET_PASSWORD}"\n  "x": 1 }`));
  expect(result.exitCode).toBe(78);
  expect(result.output).toMatch(/line 3/);
});

test("the startup failure is one JSON log line naming the step", async () => {
  const result = await check(writeConfig("step.json", { server: { port: -1 } }));
  const line = result.stderr.split("\n").find((l) => l.includes('"startup failed"'));
  expect(line).toBeDefined();
  expect(JSON.parse(line!)).toMatchObject({ level: "error", step: "load-config" });
});
