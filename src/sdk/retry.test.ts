import { expect, test } from "bun:test";
import { HubError } from "../protocol/index.ts";
import { withRetry } from "./retry.ts";

const fast = { initialDelayMs: 1, maxDelayMs: 2 };

/** An attempt that fails with `codes` in turn, then answers "done". */
function failing(...codes: string[]) {
  let calls = 0;
  const attempt = async () => {
    const code = codes[calls++];
    if (code) throw new HubError(code, `failure ${calls}`);
    return "done";
  };
  return { attempt, calls: () => calls };
}

test("retryable failures are tried again until the call succeeds", async () => {
  const { attempt, calls } = failing("SPOKE_UNAVAILABLE", "SPOKE_DISCONNECTED", "UNAVAILABLE", "SPOKE_BUSY");
  expect(await withRetry(attempt, { ...fast, attempts: 5 })).toBe("done");
  expect(calls()).toBe(5);
});

test("the last error is rethrown when the attempts run out", async () => {
  const { attempt, calls } = failing("UNAVAILABLE", "UNAVAILABLE", "UNAVAILABLE");
  const error = await withRetry(attempt, { ...fast, attempts: 2 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HubError);
  expect((error as HubError).message).toBe("failure 2");
  expect(calls()).toBe(2);
});

test("TIMEOUT, ABORTED and errors of the call itself are never retried", async () => {
  for (const code of ["TIMEOUT", "ABORTED", "VALIDATION_ERROR", "EXECUTION_ERROR", "ACCESS_DENIED"]) {
    const { attempt, calls } = failing(code);
    await expect(withRetry(attempt, fast)).rejects.toMatchObject({ code });
    expect(calls()).toBe(1);
  }
  let calls = 0;
  const plain = async () => {
    calls++;
    throw new Error("not a HubError");
  };
  await expect(withRetry(plain, fast)).rejects.toThrow("not a HubError");
  expect(calls).toBe(1);
});

test("an abort while waiting ends the retries with ABORTED", async () => {
  const controller = new AbortController();
  const attempt = async () => {
    throw new HubError("UNAVAILABLE", "down");
  };
  const pending = withRetry(attempt, { initialDelayMs: 60_000, maxDelayMs: 60_000 }, controller.signal);
  controller.abort();
  await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
});

test("a retryAfterMs in the error's details is waited out", async () => {
  let calls = 0;
  const attempt = async () => {
    if (calls++ === 0) throw new HubError("RATE_LIMITED", "slow down", { details: { retryAfterMs: 150 } });
    return "done";
  };
  const started = performance.now();
  expect(await withRetry(attempt, fast)).toBe("done");
  expect(performance.now() - started).toBeGreaterThanOrEqual(140);
});
