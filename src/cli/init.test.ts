import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_CODES, UsageError } from "../errors.ts";
import type { CommandIo } from "./command.ts";
import { createInitCommand, type InitResult, initCommand } from "./init.ts";

const root = await mkdtemp(join(tmpdir(), "alkhub-init-"));
afterAll(() => rm(root, { recursive: true, force: true }));

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

describe("alkhub init", () => {
  test("--help lists the options and exit codes", async () => {
    const io = capture();
    expect(await initCommand.run(["--help"], io)).toBe(EXIT_CODES.OK);
    for (const part of ["--dir <dir>", "--force", "64", "78"]) expect(io.stdout.join("\n")).toContain(part);
  });

  test("bad usage exits 64", async () => {
    const io = capture();
    expect(await initCommand.run(["--colour"], io)).toBe(EXIT_CODES.USAGE);
    expect(io.stderr.join("\n")).toContain("alkhub init");
    expect(await initCommand.run(["stray"], capture())).toBe(EXIT_CODES.USAGE);
  });

  test("afterInit runs after the files exist, before the next steps; its LocalError sets the exit code", async () => {
    const seen: InitResult[] = [];
    const dir = join(root, "hooked");
    const io = capture();
    const command = createInitCommand({
      afterInit: async (result, hookIo) => {
        expect(await Bun.file(result.configPath).exists()).toBe(true);
        seen.push(result);
        hookIo.out("HOOK");
      },
    });
    expect(await command.run(["--dir", dir], io)).toBe(EXIT_CODES.OK);
    expect(seen).toEqual([{ dir, configPath: join(dir, "alkhub.json"), keyPath: join(dir, "alkhub.key") }]);
    const hookAt = io.stdout.indexOf("HOOK");
    expect(hookAt).toBeGreaterThan(0);
    expect(io.stdout.slice(hookAt).join("\n")).toContain("next steps:");

    const failing = createInitCommand({
      afterInit: async () => {
        throw new UsageError("hook says no");
      },
    });
    const failIo = capture();
    expect(await failing.run(["--dir", join(root, "hook-fails")], failIo)).toBe(EXIT_CODES.USAGE);
    expect(failIo.stderr).toEqual(["hook says no"]);
  });
});
