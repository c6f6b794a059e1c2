import { describe, expect, test } from "bun:test";
import { EXIT_CODES } from "../errors.ts";
import type { CommandIo } from "./command.ts";
import { createKeysCommand, parseExpiry } from "./keys.ts";
import { createMigrateCommand } from "./migrate.ts";

function capture(): CommandIo & { outText: () => string; errText: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    outText: () => out.join("\n"),
    errText: () => err.join("\n"),
  };
}

const neverOpen = async () => {
  throw new Error("the store must not be opened for invalid arguments");
};

describe("alkhub keys argument checks", () => {
  const keys = createKeysCommand(neverOpen);
  test.each([
    [["create", "--name", "x", "--scopes", "call,root"], "unknown scope 'root'"],
    [["create", "--name", "x", "--scopes", ""], "--scopes"],
    [["create", "--scopes", "call"], "--name is required"],
    [["create", "--name", "x", "--scopes", "call", "--expires", "30y"], "--expires '30y'"],
    [["create", "--name", "x", "--scopes", "call", "--expires", "2001-01-01"], "lies in the past"],
    [["create", "--name", "x", "--scopes", "call", "--operations", "fs read"], "--operations"],
    [["list", "--name", "x"], "--name is not valid with 'keys list'"],
    [["revoke", "abcdefghijkl", "--status", "active"], "--status is not valid with 'keys revoke'"],
    [["list", "--status", "gone"], "--status 'gone' is not one of"],
    [["list", "--url", "http://127.0.0.1:3000"], "--url needs --key-file"],
    [["revoke"], "exactly one key id"],
    [["revoke", "short"], "'short' is not a key id"],
    [["rotate"], "unknown subcommand 'rotate'"],
    [[], "missing subcommand"],
    [["list", "--bogus"], "bogus"],
  ])("%p is a usage error naming the problem", async (argv, fragment) => {
    const io = capture();
    expect(await keys.run(argv, io)).toBe(EXIT_CODES.USAGE);
    expect(io.errText()).toContain(fragment);
    expect(io.outText()).toBe("");
  });

  test("--help says how the target is found and shows every subcommand; nobody is told to stop the hub", async () => {
    const io = capture();
    expect(await keys.run(["--help"], io)).toBe(EXIT_CODES.OK);
    expect(io.outText()).toContain("admin socket");
    expect(io.outText()).not.toContain("stopped");
    for (const word of [
      "keys create",
      "keys list",
      "keys show",
      "keys disable",
      "keys enable",
      "keys revoke",
    ]) {
      expect(io.outText()).toContain(word);
    }
    for (const word of ["--spoke-names", "--expires", "--json", "--url", "--key-file"]) {
      expect(io.outText()).toContain(word);
    }
    const migrate = capture();
    expect(await createMigrateCommand(neverOpen).run(["--help"], migrate)).toBe(EXIT_CODES.OK);
    expect(migrate.outText()).not.toContain("stopped");
    expect(await createMigrateCommand(neverOpen).run(["extra"], capture())).toBe(EXIT_CODES.USAGE);
  });
});

describe("parseExpiry", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  test("durations count from now", () => {
    expect(parseExpiry("90m", now).toISOString()).toBe("2026-01-01T01:30:00.000Z");
    expect(parseExpiry("12h", now).toISOString()).toBe("2026-01-01T12:00:00.000Z");
    expect(parseExpiry("30d", now).toISOString()).toBe("2026-01-31T00:00:00.000Z");
    expect(parseExpiry("2w", now).toISOString()).toBe("2026-01-15T00:00:00.000Z");
  });
  test("ISO dates are taken as given", () => {
    expect(parseExpiry("2027-01-31T12:00Z", now).toISOString()).toBe("2027-01-31T12:00:00.000Z");
    expect(parseExpiry("2027-01-31", now).toISOString()).toBe("2027-01-31T00:00:00.000Z");
  });
  test("nonsense, zero and invalid dates are refused", () => {
    expect(() => parseExpiry("0d", now)).toThrow(/positive/);
    expect(() => parseExpiry("tomorrow", now)).toThrow(/neither a duration/);
    expect(() => parseExpiry("2027-13-45", now)).toThrow(/not a valid date/);
  });
});
