import { describe, expect, test } from "bun:test";
import {
  resolveConfigPath,
  resolveMasterKeyPath,
  SECRET_MOUNT_MASTER_KEY_PATH,
  SYSTEM_CONFIG_PATH,
} from "./paths.ts";

const none = () => false;
const only = (path: string) => (p: string) => p === path;

describe("resolveConfigPath", () => {
  test("flag beats the variable, resolved against cwd", () => {
    const env = { ALKHUB_CONFIG_PATH: "/from/env.json" };
    expect(resolveConfigPath({ flag: "conf/a.json", env, cwd: "/work", exists: none })).toEqual({
      path: "/work/conf/a.json",
      source: "flag",
    });
  });

  test("the variable beats the system file", () => {
    const env = { ALKHUB_CONFIG_PATH: "/from/env.json" };
    expect(resolveConfigPath({ env, cwd: "/work", exists: only(SYSTEM_CONFIG_PATH) })).toEqual({
      path: "/from/env.json",
      source: "env",
    });
  });

  test("the system file when it exists, else ./alkhub.json", () => {
    expect(resolveConfigPath({ env: {}, cwd: "/work", exists: only(SYSTEM_CONFIG_PATH) })).toEqual({
      path: SYSTEM_CONFIG_PATH,
      source: "system",
    });
    expect(resolveConfigPath({ env: { ALKHUB_CONFIG_PATH: "" }, cwd: "/work", exists: none })).toEqual({
      path: "/work/alkhub.json",
      source: "local",
    });
  });
});

describe("resolveMasterKeyPath", () => {
  test("flag › secret mount › beside the config", () => {
    const mounted = only(SECRET_MOUNT_MASTER_KEY_PATH);
    expect(
      resolveMasterKeyPath({
        flag: "k.key",
        configPath: "/etc/alkhub/config.json",
        cwd: "/w",
        exists: mounted,
      }),
    ).toBe("/w/k.key");
    expect(resolveMasterKeyPath({ configPath: "/etc/alkhub/config.json", exists: mounted })).toBe(
      SECRET_MOUNT_MASTER_KEY_PATH,
    );
    expect(resolveMasterKeyPath({ configPath: "/srv/hub/alkhub.json", exists: none })).toBe(
      "/srv/hub/alkhub.key",
    );
  });
});
