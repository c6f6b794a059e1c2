import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeLocalConfig } from "../config/index.ts";
import { EXIT_CODES } from "../errors.ts";
import type { CommandIo } from "./command.ts";
import { configCommand, createConfigCommand } from "./config.ts";

const root = await mkdtemp(join(tmpdir(), "alkhub-config-cmd-"));
afterAll(() => rm(root, { recursive: true, force: true }));

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

describe("alkhub config", () => {
  test("--help covers every subcommand, option and exit code", async () => {
    const io = capture();
    expect(await configCommand.run(["--help"], io)).toBe(EXIT_CODES.OK);
    const help = io.stdout.join("\n");
    for (const part of [
      "encrypt",
      "decrypt",
      "check",
      "--path",
      "--stdin",
      "--force",
      "--config",
      "--master-key-file",
    ]) {
      expect(help).toContain(part);
    }
    for (const code of ["0 ", "64", "78"]) expect(help).toContain(code);
    expect(await configCommand.run(["encrypt", "--help"], capture())).toBe(EXIT_CODES.OK);
  });

  test("usage errors exit 64 with a message", async () => {
    const cases: Array<[string[], string]> = [
      [[], "a subcommand is required"],
      [["rotate"], "unknown subcommand 'rotate'"],
      [["encrypt"], "--path <pointer> is required"],
      [["check", "extra"], "unexpected argument 'extra'"],
      [["check", "--bogus"], "alkhub config"],
    ];
    for (const [argv, message] of cases) {
      const io = capture();
      expect(await configCommand.run(argv, io)).toBe(EXIT_CODES.USAGE);
      expect(io.stderr.join("\n")).toContain(message);
    }
  });

  test("decrypt refuses a non-terminal stdout without --force, after warning", async () => {
    const files = await writeLocalConfig({ dir: join(root, "tty") });
    const command = createConfigCommand({ stdoutIsTty: () => false, exists: () => false });
    const io = capture();
    const argv = ["decrypt", "--path", "/encryptionKeys", "--config", files.configPath];
    expect(await command.run(argv, io)).toBe(EXIT_CODES.USAGE);
    expect(io.stdout).toEqual([]);
    expect(io.stderr[0]).toContain("warning:");
    expect(io.stderr.join("\n")).toContain("pass --force");

    const tty = capture();
    const onTerminal = createConfigCommand({ stdoutIsTty: () => true, exists: () => false });
    expect(await onTerminal.run(argv, tty)).toBe(EXIT_CODES.OK);
    expect(tty.stdout[0]).toMatch(/^v1:[A-Za-z0-9+/]{43}=$/);
    expect(tty.stderr[0]).toContain("warning:");
  });

  test("encrypt --stdin reads through the injected reader", async () => {
    const files = await writeLocalConfig({ dir: join(root, "stdin") });
    const config = JSON.parse(await readFile(files.configPath, "utf8"));
    await writeFile(files.configPath, JSON.stringify({ ...config, redis: { host: "127.0.0.1" } }));
    const command = createConfigCommand({ readStdin: async () => "hunter2\n", exists: () => false });
    const io = capture();
    const argv = ["encrypt", "--stdin", "--path", "/redis/password", "--config", files.configPath];
    expect(await command.run(argv, io)).toBe(EXIT_CODES.OK);
    expect(io.stdout).toEqual([`encrypted /redis/password in ${files.configPath}`]);
    expect(await readFile(files.configPath, "utf8")).not.toContain("hunter2");
  });
});
