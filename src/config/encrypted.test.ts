import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { ConfigError } from "../errors.ts";
import { decryptConfigTree, encryptConfigValue } from "./encrypted.ts";

const master = new Uint8Array(randomBytes(32));
const FILE = "/etc/alkhub/config.json";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("encryptConfigValue / decryptConfigTree", () => {
  test("decrypts strings and whole sections anywhere in the tree", () => {
    const section = JSON.stringify({ url: "postgres://u:pw@db/hub", maxConnections: 4 });
    const tree = {
      postgres: encryptConfigValue(master, "/postgres", section),
      redis: { host: "r", password: encryptConfigValue(master, "/redis/password", "s3cret") },
      server: { allowedHosts: ["a", encryptConfigValue(master, "/server/allowedHosts/1", "b")] },
      plain: "x",
    };
    expect(tree.postgres).toMatch(/^enc:v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(decryptConfigTree(tree, master, FILE)).toEqual({
      postgres: { url: "postgres://u:pw@db/hub", maxConnections: 4 },
      redis: { host: "r", password: "s3cret" },
      server: { allowedHosts: ["a", "b"] },
      plain: "x",
    });
  });

  test("a value moved to another path does not decrypt, and the error names the path only", () => {
    const moved = { postgres: { password: encryptConfigValue(master, "/redis/password", "hunter2-secret") } };
    const error = configError(() => decryptConfigTree(moved, master, FILE));
    expect(error.message).toBe(
      `${FILE}: /postgres/password: encrypted value could not be decrypted (wrong master key, or the value was altered or moved from another path)`,
    );
    expect(error.path).toBe("/postgres/password");
    expect(error.message).not.toContain("hunter2");
  });

  test("tampered, wrong key, malformed and unknown versions are ConfigErrors naming the path", () => {
    const good = encryptConfigValue(master, "/x", "hunter2-secret");
    const body = good.slice(good.lastIndexOf(":") + 1);
    const tampered = good.replace(body, `${body.slice(0, 4)}${body[4] === "A" ? "B" : "A"}${body.slice(5)}`);
    const cases: Array<[unknown, string]> = [
      [tampered, "could not be decrypted"],
      ["enc:v1:abc", "is malformed"],
      ["enc:v1:a*b:cd", "is malformed"],
      ["enc:v2:AAAA:BBBB", "unknown format version"],
    ];
    for (const [value, expected] of cases) {
      const error = configError(() => decryptConfigTree({ x: value }, master, FILE));
      expect(error.message).toStartWith(`${FILE}: /x: `);
      expect(error.message).toContain(expected);
      expect(error.message).not.toContain("hunter2");
    }
    const otherKey = new Uint8Array(randomBytes(32));
    expect(configError(() => decryptConfigTree({ x: good }, otherKey, FILE)).message).toContain(
      "wrong master key",
    );
  });

  test("a section that is not JSON fails without quoting it", () => {
    const value = encryptConfigValue(master, "/postgres", "{not json hunter2");
    const error = configError(() => decryptConfigTree({ postgres: value }, master, FILE));
    expect(error.message).toContain(
      "/postgres: decrypted value starts with '{' but is not a valid JSON object",
    );
    expect(error.message).not.toContain("hunter2");
  });

  test("escapes ~ and / in the JSON path used as AAD", () => {
    const value = encryptConfigValue(master, "/a~1b/c~0d", "v");
    expect(decryptConfigTree({ "a/b": { "c~d": value } }, master, FILE)).toEqual({ "a/b": { "c~d": "v" } });
  });
});
