import { describe, expect, test } from "bun:test";
import { allocatorReexec, isLongRunning, PURGE_DELAY_MS, PURGE_DELAY_VARIABLE } from "./allocator.ts";

const compiled = {
  execPath: "/opt/alkhub",
  execArgv: [],
  main: "/$bunfs/root/alkhub",
  script: "/$bunfs/root/alkhub",
};
const fromSource = {
  execPath: "/usr/local/bin/bun",
  execArgv: ["--smol"],
  main: "/repo/src/main.ts",
  script: "/repo/src/main.ts",
};

describe("isLongRunning", () => {
  test("serve (named or by default) and bridge are; other commands and help are not", () => {
    expect(isLongRunning([])).toBe(true);
    expect(isLongRunning(["serve", "--port", "1"])).toBe(true);
    expect(isLongRunning(["--config", "c.json"])).toBe(true);
    expect(isLongRunning(["bridge", "--config", "b.json"])).toBe(true);
    expect(isLongRunning(["keys", "create"])).toBe(false);
    expect(isLongRunning(["version"])).toBe(false);
    expect(isLongRunning(["--help"])).toBe(false);
    expect(isLongRunning(["-h"])).toBe(false);
  });
});

describe("allocatorReexec", () => {
  test("a compiled serve executes itself again with the same arguments, the environment and the setting", () => {
    const reexec = allocatorReexec(
      ["serve", "--config", "c.json"],
      { HOME: "/h", EMPTY: undefined },
      compiled,
    );
    expect(reexec).toEqual({
      path: "/opt/alkhub",
      args: ["/opt/alkhub", "serve", "--config", "c.json"],
      env: { HOME: "/h", [PURGE_DELAY_VARIABLE]: PURGE_DELAY_MS },
    });
  });

  test("run from source it names the runtime's flags and the script again", () => {
    expect(allocatorReexec([], {}, fromSource)?.args).toEqual([
      "/usr/local/bin/bun",
      "--smol",
      "/repo/src/main.ts",
    ]);
  });

  test("nothing to do once the variable is set (by the operator, or by the first start) or for a short command", () => {
    expect(allocatorReexec(["serve"], { [PURGE_DELAY_VARIABLE]: "100" }, compiled)).toBeUndefined();
    expect(allocatorReexec(["keys", "list"], {}, compiled)).toBeUndefined();
  });
});
