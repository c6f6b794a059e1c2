import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { hkdfKey, IV_BYTES, openAead, sealAead, TAG_BYTES } from "./aead.ts";
import { CryptoError } from "./errors.ts";

const key = () => new Uint8Array(randomBytes(32));
const text = (s: string) => new TextEncoder().encode(s);

describe("hkdfKey", () => {
  test("is deterministic per (secret, info) and separates purposes", () => {
    const secret = key();
    expect(hkdfKey(secret, "a")).toEqual(hkdfKey(secret, "a"));
    expect(hkdfKey(secret, "a")).not.toEqual(hkdfKey(secret, "b"));
    expect(hkdfKey(secret, "a").byteLength).toBe(32);
  });

  test("matches the RFC 5869-style derivation with an empty salt", async () => {
    const secret = new Uint8Array(32).fill(7);
    const bits = await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: text("alkhub/config/v1") },
      await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveBits"]),
      256,
    );
    expect(hkdfKey(secret, "alkhub/config/v1")).toEqual(new Uint8Array(bits));
  });

  test("refuses a short secret", () => {
    expect(() => hkdfKey(new Uint8Array(16), "x")).toThrow("at least 32 bytes; got 16");
  });
});

describe("sealAead / openAead", () => {
  test("round trip with a fresh IV each time", () => {
    const k = key();
    const a = sealAead(k, text("hello"), "/p");
    const b = sealAead(k, text("hello"), "/p");
    expect(a.iv.byteLength).toBe(IV_BYTES);
    expect(a.sealed.byteLength).toBe(5 + TAG_BYTES);
    expect(a.iv).not.toEqual(b.iv);
    expect(new TextDecoder().decode(openAead(k, a.iv, a.sealed, "/p"))).toBe("hello");
    expect(new TextDecoder().decode(openAead(k, b.iv, b.sealed, text("/p")))).toBe("hello");
  });

  test("empty plaintext round-trips", () => {
    const k = key();
    const { iv, sealed } = sealAead(k, new Uint8Array(0), "");
    expect(openAead(k, iv, sealed, "").byteLength).toBe(0);
  });

  test("detects a flipped bit in ciphertext, tag or IV", () => {
    const k = key();
    const { iv, sealed } = sealAead(k, text("secret-plaintext"), "aad");
    for (const index of [0, sealed.byteLength - 1]) {
      const bad = sealed.slice();
      bad[index] = (bad[index] as number) ^ 1;
      expect(() => openAead(k, iv, bad, "aad")).toThrow(CryptoError);
    }
    const badIv = iv.slice();
    badIv[0] = (badIv[0] as number) ^ 1;
    expect(() => openAead(k, badIv, sealed, "aad")).toThrow(CryptoError);
  });

  test("binds the AAD and the key; errors carry no data", () => {
    const k = key();
    const { iv, sealed } = sealAead(k, text("secret-plaintext"), "/postgres");
    let caught: unknown;
    try {
      openAead(k, iv, sealed, "/redis");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CryptoError);
    expect(String((caught as Error).message)).not.toContain("secret-plaintext");
    expect(() => openAead(key(), iv, sealed, "/postgres")).toThrow("authentication failed");
  });

  test("refuses keys that are not 32 bytes and malformed inputs", () => {
    expect(() => sealAead(new Uint8Array(31), text("x"), "")).toThrow("key must be 32 bytes; got 31");
    expect(() => sealAead(new Uint8Array(33), text("x"), "")).toThrow("got 33");
    const k = key();
    const { iv, sealed } = sealAead(k, text("x"), "");
    expect(() => openAead(new Uint8Array(16), iv, sealed, "")).toThrow("got 16");
    expect(() => openAead(k, iv.subarray(0, 8), sealed, "")).toThrow("IV must be 12 bytes");
    expect(() => openAead(k, iv, sealed.subarray(0, 10), "")).toThrow("too short");
  });
});
