import { describe, expect, test } from "bun:test";
import { CryptoError, generateDataKeyEntry, KeyRing } from "../crypto/index.ts";
import { openSecret, sealSecret, secretAad } from "./sealing.ts";

const VALUE = "ghp_example-value-not-real";
const CLIENT_A = "5b0f3f8e-1a7e-4a35-9a0e-6f54b0a1c001";
const CLIENT_B = "5b0f3f8e-1a7e-4a35-9a0e-6f54b0a1c002";

describe("sealing binds a value to its client and name", () => {
  const ring = KeyRing.parse(`${generateDataKeyEntry(2)},${generateDataKeyEntry(1)}`);

  test("the AAD is '<clientId>/<secretName>'", () => {
    expect(secretAad(CLIENT_A, "token")).toBe(`${CLIENT_A}/token`);
  });

  test("a value seals with the current key and opens at its own place", () => {
    const sealed = sealSecret(ring, CLIENT_A, "token", VALUE);
    expect(sealed.keyVersion).toBe(2);
    expect(sealed.sealed).not.toContain(VALUE);
    expect(openSecret(ring, { clientId: CLIENT_A, name: "token", ...sealed })).toBe(VALUE);
  });

  test("moved to another client or another name, it does not open", () => {
    const sealed = sealSecret(ring, CLIENT_A, "token", VALUE);
    for (const place of [
      { clientId: CLIENT_B, name: "token" },
      { clientId: CLIENT_A, name: "token2" },
      { clientId: CLIENT_B, name: "other" },
    ]) {
      const open = () => openSecret(ring, { ...place, ...sealed });
      expect(open).toThrow(CryptoError);
      expect(open).toThrow("could not be opened");
    }
  });

  test("a value recorded under another key version does not open", () => {
    const sealed = sealSecret(ring, CLIENT_A, "token", VALUE);
    expect(() => openSecret(ring, { clientId: CLIENT_A, name: "token", ...sealed, keyVersion: 1 })).toThrow(
      CryptoError,
    );
    expect(() => openSecret(ring, { clientId: CLIENT_A, name: "token", ...sealed, keyVersion: 7 })).toThrow(
      "data key v7 is not in the key ring",
    );
  });

  test("two seals of the same value differ (random IV)", () => {
    const a = sealSecret(ring, CLIENT_A, "token", VALUE);
    const b = sealSecret(ring, CLIENT_A, "token", VALUE);
    expect(a.sealed).not.toBe(b.sealed);
  });
});
