import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBridgeConfig } from "./config.ts";
import { readEnvFile, readHeaderFile } from "./files.ts";
import { StderrTail } from "./stderr-tail.ts";

let dir: string;
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "alkhub-bridge-config-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bridge files", () => {
  test("env files: comments, export, quotes; a bad line is named without its value", () => {
    const path = write("a.env", "# c\nexport A=1\nB='two words'\n\nC=\"x=y\"\n");
    expect(readEnvFile(path)).toEqual({ A: "1", B: "two words", C: "x=y" });
    const bad = write("b.env", "A=1\nsecret-value-here\n");
    expect(() => readEnvFile(bad)).toThrow(`${bad} line 2: expected KEY=value`);
  });

  test("header files", () => {
    expect(readHeaderFile(write("h", "Authorization: Bearer abc\n# x\nX-Team: core\n"))).toEqual({
      Authorization: "Bearer abc",
      "X-Team": "core",
    });
  });

  test("bridge.json: servers resolved relative to the file; mistakes named by path", () => {
    write("k", "alk_abcdefghijkl_secret\n");
    write("s.env", "A=1\n");
    const path = write(
      "bridge.json",
      JSON.stringify({
        hub: { url: "ws://127.0.0.1:1/ws", keyFile: "k" },
        servers: {
          one: { command: "node", args: ["x.js"], envFile: "s.env" },
          two: { url: "http://127.0.0.1:2/mcp" },
        },
      }),
    );
    const plan = loadBridgeConfig(path);
    expect(plan.token).toBe("alk_abcdefghijkl_secret");
    expect(plan.servers.map((s) => [s.name, s.target.kind])).toEqual([
      ["one", "stdio"],
      ["two", "http"],
    ]);
    expect(plan.servers[0]?.target).toMatchObject({ env: { A: "1" } });
    const typo = write(
      "typo.json",
      JSON.stringify({ hub: { url: "ws://h/ws", keyFile: "k" }, servers: {}, extra: 1 }),
    );
    expect(() => loadBridgeConfig(typo)).toThrow(/typo\.json: \//);
    const badName = write(
      "name.json",
      JSON.stringify({ hub: { url: "ws://h/ws", keyFile: "k" }, servers: { hub: { command: "x" } } }),
    );
    expect(() => loadBridgeConfig(badName)).toThrow('/servers/hub: spoke name "hub" is reserved');
  });
});

describe("stderr tail", () => {
  test("keeps the last lines, bounded, and returns completed lines", () => {
    const tail = new StderrTail(2, 5);
    expect(tail.push("one\ntw")).toEqual(["one"]);
    expect(tail.push("o\nthree-long\nfour")).toEqual(["two", "three"]);
    expect(tail.text()).toBe("two\nthree\nfour");
  });
});
