import { afterAll, describe, expect, test } from "bun:test";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandIo } from "../../src/cli/command.ts";
import { createConfigCommand } from "../../src/cli/config.ts";
import { initCommand } from "../../src/cli/init.ts";
import { EXIT_CODES } from "../../src/errors.ts";

/*
 * The operator's path through `init` and `config`, in-process through each command's run(argv, io), on a temp
 * dir: init → check → encrypt a plaintext section → check → decrypt --force, plus the failures an operator meets.
 */

const dir = await mkdtemp(join(tmpdir(), "alkhub-config-cli-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const configPath = join(dir, "alkhub.json");
const keyPath = join(dir, "alkhub.key");
// `exists: () => false` keeps a /run/secrets or /etc/alkhub on the test machine out of the lookup.
const config = createConfigCommand({
  stdoutIsTty: () => false,
  exists: () => false,
  env: {},
  cwd: () => dir,
});
const SECRET_URL = "postgres://hub:hunter2-pw@127.0.0.1:5432/hub";

function capture(): CommandIo & { stdout: string[]; stderr: string[]; all: () => string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    all: () => [...stdout, ...stderr].join("\n"),
  };
}

async function run(argv: string[]) {
  const io = capture();
  const code = await config.run(argv, io);
  return { code, io };
}

describe("alkhub init + config (in-process)", () => {
  test("init writes both files and prints their paths", async () => {
    const io = capture();
    expect(await initCommand.run(["--dir", dir], io)).toBe(EXIT_CODES.OK);
    expect(io.all()).toContain(configPath);
    expect(io.all()).toContain(keyPath);
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    const again = capture();
    expect(await initCommand.run(["--dir", dir], again)).toBe(EXIT_CODES.CONFIG);
    expect(again.stderr.join("\n")).toContain("already exists; pass --force");
  });

  test("check finds the config and the key beside it from cwd", async () => {
    const { code, io } = await run(["check"]);
    expect(code).toBe(EXIT_CODES.OK);
    expect(io.stdout).toEqual([`ok: ${configPath}`]);
  });

  test("encrypt a plaintext section, check, then decrypt --force round-trips it", async () => {
    const raw = JSON.parse(await readFile(configPath, "utf8"));
    await writeFile(configPath, JSON.stringify({ ...raw, postgres: { url: SECRET_URL, maxConnections: 5 } }));
    await chmod(configPath, 0o600);

    const encrypt = await run([
      "encrypt",
      "--path",
      "/postgres",
      "--config",
      configPath,
      "--master-key-file",
      keyPath,
    ]);
    expect(encrypt.code).toBe(EXIT_CODES.OK);
    expect(encrypt.io.all()).not.toContain("hunter2");
    const text = await readFile(configPath, "utf8");
    expect(text).not.toContain("hunter2");
    expect(JSON.parse(text).postgres).toStartWith("enc:v1:");
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);

    expect((await run(["check", "--config", configPath])).code).toBe(EXIT_CODES.OK);

    const refused = await run(["encrypt", "--path", "/postgres"]);
    expect(refused.code).toBe(EXIT_CODES.USAGE);
    expect(refused.io.stderr.join("\n")).toContain("/postgres: the value is already encrypted");

    const decrypt = await run(["decrypt", "--path", "/postgres", "--force"]);
    expect(decrypt.code).toBe(EXIT_CODES.OK);
    expect(decrypt.io.stderr[0]).toContain("warning:");
    expect(JSON.parse(decrypt.io.stdout.join("\n"))).toEqual({ url: SECRET_URL, maxConnections: 5 });
  });

  test("check exits 78 naming the file and path for an unknown key or a value moved to another path", async () => {
    const good = await readFile(configPath, "utf8");
    const raw = JSON.parse(good);

    await writeFile(configPath, JSON.stringify({ ...raw, server: { ...raw.server, colour: "red" } }));
    const unknown = await run(["check"]);
    expect(unknown.code).toBe(EXIT_CODES.CONFIG);
    expect(unknown.io.stderr.join("\n")).toBe(`${configPath}: /server/colour: unknown key`);

    await writeFile(configPath, JSON.stringify({ ...raw, redis: raw.postgres, postgres: undefined }));
    const moved = await run(["check"]);
    expect(moved.code).toBe(EXIT_CODES.CONFIG);
    expect(moved.io.stderr.join("\n")).toContain(
      `${configPath}: /redis: encrypted value could not be decrypted`,
    );
    expect(moved.io.all()).not.toContain("hunter2");
    await writeFile(configPath, good);
  });

  test("a wrong master key fails check and decrypt with 78 and no plaintext", async () => {
    const otherKey = join(dir, "other.key");
    await writeFile(
      otherKey,
      `${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}\n`,
      {
        mode: 0o600,
      },
    );
    for (const argv of [
      ["check", "--master-key-file", otherKey],
      ["decrypt", "--force", "--path", "/postgres", "--master-key-file", otherKey],
    ]) {
      const { code, io } = await run(argv);
      expect(code).toBe(EXIT_CODES.CONFIG);
      expect(io.stderr.join("\n")).toContain("wrong master key");
      expect(io.all()).not.toContain("hunter2");
    }
  });

  test("a missing config file exits 78 and suggests init", async () => {
    const empty = await mkdtemp(join(dir, "empty-"));
    const command = createConfigCommand({ exists: () => false, env: {}, cwd: () => empty });
    const io = capture();
    expect(await command.run(["check"], io)).toBe(EXIT_CODES.CONFIG);
    expect(io.stderr).toEqual([
      `config file ${join(empty, "alkhub.json")} not found (run 'alkhub init' to create one)`,
    ]);
  });
});
