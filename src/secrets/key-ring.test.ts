import { expect, test } from "bun:test";
import { generateDataKeyEntry } from "../crypto/index.ts";
import { ConfigError, EXIT_CODES } from "../errors.ts";
import { keyRingFromConfig } from "./key-ring.ts";

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

test("a configured ring parses, first entry current", () => {
  const ring = keyRingFromConfig(`${generateDataKeyEntry(3)},${generateDataKeyEntry(1)}`);
  expect(ring.currentVersion).toBe(3);
  expect(ring.versions).toEqual([3, 1]);
});

test("no encryptionKeys is a ConfigError naming /encryptionKeys and the file", () => {
  const error = configError(() => keyRingFromConfig(undefined, "/etc/alkhub/config.json"));
  expect(error.path).toBe("/encryptionKeys");
  expect(error.exitCode).toBe(EXIT_CODES.CONFIG);
  expect(error.message).toStartWith("/etc/alkhub/config.json: /encryptionKeys: not set");
});

test("a malformed ring names the entry, never the key", () => {
  const good = generateDataKeyEntry(1);
  const error = configError(() => keyRingFromConfig(`${good},v1:${good.slice(3)}`));
  expect(error.message).toBe("/encryptionKeys: encryptionKeys entry 2: version v1 appears twice");
  expect(error.message).not.toContain(good.slice(3));
});
