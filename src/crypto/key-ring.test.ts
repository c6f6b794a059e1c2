import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { ConfigError } from "../errors.ts";
import { toBase64 } from "./base64.ts";
import { CryptoError } from "./errors.ts";
import { generateDataKeyEntry, KeyRing } from "./key-ring.ts";

const b64 = (n: number) => toBase64(new Uint8Array(randomBytes(n)));

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

describe("KeyRing.parse", () => {
  test("first entry is current; every version is known", () => {
    const ring = KeyRing.parse(`${generateDataKeyEntry(2)}, ${generateDataKeyEntry(1)}`);
    expect(ring.currentVersion).toBe(2);
    expect(ring.versions).toEqual([2, 1]);
    expect(ring.has(1)).toBe(true);
    expect(ring.has(3)).toBe(false);
  });

  test("errors name the entry position and never the key", () => {
    const short = b64(31);
    const cases: Array<[string, string]> = [
      ["", "encryptionKeys is empty"],
      [`v1:${b64(32)},x1:${short}`, "entry 2: expected"],
      [`v0:${b64(32)}`, "entry 1: version must be a positive integer"],
      [`v1:${short}`, "entry 1: key must be 32 bytes in base64; it holds 31"],
      [`v1:${b64(32)},v2:not*base64`, "entry 2: key is not valid base64"],
      [`v1:${b64(32)},v1:${b64(32)}`, "entry 2: version v1 appears twice"],
    ];
    for (const [text, expected] of cases) {
      const error = thrown(() => KeyRing.parse(text));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain(expected);
      expect(error.message).not.toContain(short);
    }
  });

  test("keeps its keys private when printed or serialised", () => {
    const entry = generateDataKeyEntry(1);
    const ring = KeyRing.parse(entry);
    const b64Key = entry.slice(3);
    expect(JSON.stringify(ring)).toBe("{}");
    expect(inspect(ring)).not.toContain(b64Key);
    expect(Bun.inspect(ring)).not.toContain(b64Key);
  });
});

describe("KeyRing seal/open", () => {
  test("round trip, and old versions still open after rotation", () => {
    const v1 = generateDataKeyEntry(1);
    const old = KeyRing.parse(v1);
    const sealedOld = old.seal("p@ss", "client-1/token");
    expect(sealedOld.keyVersion).toBe(1);
    expect(sealedOld.sealed).toMatch(/^[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    const rotated = KeyRing.parse(`${generateDataKeyEntry(2)},${v1}`);
    expect(rotated.open(1, sealedOld.sealed, "client-1/token")).toBe("p@ss");
    const fresh = rotated.seal("ünïcode ✓", "client-1/token");
    expect(fresh.keyVersion).toBe(2);
    expect(rotated.open(2, fresh.sealed, "client-1/token")).toBe("ünïcode ✓");
  });

  test("the AAD binds a value to its client and name", () => {
    const ring = KeyRing.parse(generateDataKeyEntry(1));
    const { sealed } = ring.seal("top-secret", "client-1/token");
    const error = thrown(() => ring.open(1, sealed, "client-2/token"));
    expect(error).toBeInstanceOf(CryptoError);
    expect(error.message).toContain("data key v1");
    expect(error.message).not.toContain("top-secret");
  });

  test("tampered, malformed and unknown-version values fail naming the version", () => {
    const ring = KeyRing.parse(generateDataKeyEntry(1));
    const { sealed } = ring.seal("top-secret", "a");
    const [iv, body] = sealed.split(":") as [string, string];
    const flipped = `${iv}:${body.slice(0, -2)}${body.endsWith("AA") ? "BA" : "AA"}`;
    expect(() => ring.open(1, flipped, "a")).toThrow("v1 could not be opened");
    expect(() => ring.open(1, `${iv}`, "a")).toThrow("v1 is malformed");
    expect(() => ring.open(1, `${iv}:${body}:x`, "a")).toThrow("v1 is malformed");
    expect(() => ring.open(1, `${iv}:b@d`, "a")).toThrow("v1 is malformed");
    expect(() => ring.open(7, sealed, "a")).toThrow("data key v7 is not in the key ring");
  });

  test("a ring with another key of the same version cannot open", () => {
    const { sealed } = KeyRing.parse(generateDataKeyEntry(1)).seal("x", "a");
    expect(() => KeyRing.parse(generateDataKeyEntry(1)).open(1, sealed, "a")).toThrow(CryptoError);
  });

  test("the constructor validates entries too", () => {
    expect(() => new KeyRing([])).toThrow("at least one data key");
    expect(() => new KeyRing([{ version: 1, key: new Uint8Array(16) }])).toThrow("it holds 16");
    expect(() => new KeyRing([{ version: 1.5, key: new Uint8Array(32) }])).toThrow("positive integer");
  });

  test("generateDataKeyEntry", () => {
    expect(generateDataKeyEntry(3)).toMatch(/^v3:[A-Za-z0-9+/]{43}=$/);
    expect(() => generateDataKeyEntry(0)).toThrow("positive integer");
  });
});
