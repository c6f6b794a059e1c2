import { expect, test } from "bun:test";
import { ConfigError, UnavailableError } from "../errors.ts";
import { silentLogger } from "../log/index.ts";
import { retryUntilAvailable } from "./retry.ts";

test("retries unavailable dependencies until they answer", async () => {
  let tries = 0;
  const value = await retryUntilAvailable("thing", 5000, silentLogger, async () => {
    tries++;
    if (tries < 3) throw new UnavailableError("not yet");
    return "up";
  });
  expect(value).toBe("up");
  expect(tries).toBe(3);
});

test("gives up at the deadline with the last error", async () => {
  const started = Date.now();
  const attempt = retryUntilAvailable("thing", 300, silentLogger, async () => {
    throw new UnavailableError("still down");
  });
  await expect(attempt).rejects.toThrow("still down");
  expect(Date.now() - started).toBeLessThan(2000);
});

test("does not retry configuration errors", async () => {
  let tries = 0;
  const attempt = retryUntilAvailable("thing", 5000, silentLogger, async () => {
    tries++;
    throw new ConfigError("bad");
  });
  await expect(attempt).rejects.toBeInstanceOf(ConfigError);
  expect(tries).toBe(1);
});
