import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { hashApiKey, mintApiKey, parseApiKeyId } from "./api-key.ts";
import { hasScope, isScope } from "./scopes.ts";

describe("api keys", () => {
  test("a minted key has the format alk_<12 id chars>_<43 base64url chars> and its hash", () => {
    const minted = mintApiKey();
    expect(minted.key).toMatch(/^alk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(minted.key.startsWith(`alk_${minted.id}_`)).toBe(true);
    expect(Buffer.from(minted.key.slice(17), "base64url")).toHaveLength(32);
    expect(minted.hash).toBe(createHash("sha256").update(minted.key).digest("hex"));
    expect(hashApiKey(minted.key)).toBe(minted.hash);
  });

  test("ids and secrets are random", () => {
    const keys = Array.from({ length: 200 }, () => mintApiKey());
    expect(new Set(keys.map((k) => k.id)).size).toBe(200);
    expect(new Set(keys.map((k) => k.key.slice(17))).size).toBe(200);
  });

  test("parseApiKeyId accepts only the exact format", () => {
    const { id, key } = mintApiKey();
    expect(parseApiKeyId(key)).toBe(id);
    expect(parseApiKeyId(`${key}x`)).toBeUndefined();
    expect(parseApiKeyId(key.slice(0, -1))).toBeUndefined();
    expect(parseApiKeyId(key.replace("alk_", "alx_"))).toBeUndefined();
    expect(parseApiKeyId(`alk_short_${key.slice(17)}`)).toBeUndefined();
    expect(parseApiKeyId("")).toBeUndefined();
    expect(parseApiKeyId(`Bearer ${key}`)).toBeUndefined();
  });

  test("scopes: admin implies every other scope", () => {
    expect(hasScope({ scopes: ["admin"] }, "call")).toBe(true);
    expect(hasScope({ scopes: ["read"] }, "read")).toBe(true);
    expect(hasScope({ scopes: ["read"] }, "call")).toBe(false);
    expect(hasScope({ scopes: [] }, "read")).toBe(false);
    expect(isScope("spoke")).toBe(true);
    expect(isScope("root")).toBe(false);
  });
});
