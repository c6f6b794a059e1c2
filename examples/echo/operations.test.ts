import { describe, expect, test } from "bun:test";
import { buildOperationSpecs, HubError, toWireError } from "@alkdev/hub/spoke";
import { fakeCallContext } from "../shared/index.ts";
import {
  addOperation,
  countOperation,
  DEFAULT_FAIL_CODE,
  echoOperation,
  echoOperations,
  failOperation,
  SLEEP_PROGRESS_INTERVAL_MS,
  sleepOperation,
} from "./operations.ts";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the handler to throw");
}

test("every operation registers, typed and described for a model", () => {
  const specs = buildOperationSpecs("echo", echoOperations);
  expect(specs.map((spec) => [spec.name, spec.type])).toEqual([
    ["echo", "query"],
    ["add", "query"],
    ["sleep", "mutation"],
    ["count", "subscription"],
    ["fail", "query"],
  ]);
  for (const spec of specs) expect(spec.description).toMatch(/Use it /);
  const sleep = specs.find((spec) => spec.name === "sleep");
  expect(sleep?.inputSchema).toMatchObject({ properties: { ms: { type: "integer", maximum: 600_000 } } });
});

test("echo returns its input text", async () => {
  const { ctx } = fakeCallContext("echo");
  expect(await echoOperation.handler({ text: "héllo ✓" }, ctx)).toEqual({ text: "héllo ✓" });
  expect(await echoOperation.handler({ text: "" }, ctx)).toEqual({ text: "" });
});

test("add sums, and refuses a sum JSON cannot carry", async () => {
  const { ctx } = fakeCallContext("add");
  expect(await addOperation.handler({ a: 2, b: 40 }, ctx)).toEqual({ sum: 42 });
  expect(await addOperation.handler({ a: -1.5, b: 0.25 }, ctx)).toEqual({ sum: -1.25 });
  const error = thrown(() => addOperation.handler({ a: Number.MAX_VALUE, b: Number.MAX_VALUE }, ctx));
  expect(toWireError(error).code).toBe("SUM_OVERFLOW");
});

describe("sleep", () => {
  test("waits, reports progress every interval in ms of the total, and returns", async () => {
    const fake = fakeCallContext("sleep");
    const started = performance.now();
    expect(await sleepOperation.handler({ ms: 350 }, fake.ctx)).toEqual({ sleptMs: 350 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(340);
    const ticks = fake.progress.slice(0, -1);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(3);
    for (const [i, tick] of ticks.entries()) {
      expect(tick.total).toBe(350);
      expect(tick.progress).toBeGreaterThanOrEqual((i + 1) * SLEEP_PROGRESS_INTERVAL_MS - 5);
    }
    expect(fake.progress.at(-1)).toEqual({ progress: 350, total: 350, message: "done" });
  });

  test("rejects with an AbortError soon after the signal fires, and stops reporting", async () => {
    const fake = fakeCallContext("sleep");
    const result = Promise.resolve(sleepOperation.handler({ ms: 600_000 }, fake.ctx));
    await fake.progressReached(1);
    const abortedAt = performance.now();
    fake.controller.abort();
    const error = await result.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(performance.now() - abortedAt).toBeLessThan(50);
    expect((error as Error).name).toBe("AbortError");
    const reported = fake.progress.length;
    // No timer is left: a further tick would have arrived within one interval.
    await Bun.sleep(SLEEP_PROGRESS_INTERVAL_MS * 2);
    expect(fake.progress.length).toBe(reported);
  });

  test("an already aborted call rejects at once with the signal's reason", async () => {
    const fake = fakeCallContext("sleep");
    const reason = new HubError("ABORTED", "caller went away");
    fake.controller.abort(reason);
    await expect(Promise.resolve(sleepOperation.handler({ ms: 10_000 }, fake.ctx))).rejects.toBe(reason);
    expect(fake.progress).toEqual([]);
  });
});

describe("count", () => {
  test("yields n = 1..to in order", async () => {
    const { ctx } = fakeCallContext("count");
    expect(await collect(countOperation.handler({ to: 5 }, ctx))).toEqual(
      [1, 2, 3, 4, 5].map((n) => ({ n })),
    );
    expect(await collect(countOperation.handler({ to: 0 }, ctx))).toEqual([]);
    const many = await collect(countOperation.handler({ to: 1000 }, ctx));
    expect(many.length).toBe(1000);
    expect(many.at(-1)).toEqual({ n: 1000 });
  });

  test("stops when aborted between items", async () => {
    const fake = fakeCallContext("count");
    const items: { n: number }[] = [];
    for await (const item of countOperation.handler({ to: 1_000_000, delayMs: 20 }, fake.ctx)) {
      items.push(item);
      if (item.n === 3) fake.controller.abort();
    }
    expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  test("stops when aborted from outside while it waits", async () => {
    const fake = fakeCallContext("count");
    const iterator = countOperation.handler({ to: 10, delayMs: 60_000 }, fake.ctx)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { n: 1 } });
    const next = iterator.next();
    fake.controller.abort();
    expect(await next).toEqual({ done: true, value: undefined });
  });

  test("without a delay it still lets an abort from a timer through", async () => {
    const fake = fakeCallContext("count");
    setTimeout(() => fake.controller.abort(), 0);
    const items = await collect(countOperation.handler({ to: 1_000_000 }, fake.ctx));
    expect(items.length).toBeLessThan(1_000_000);
  });
});

describe("fail", () => {
  test("throws the given domain code and message", () => {
    const { ctx } = fakeCallContext("fail");
    const error = thrown(() => failOperation.handler({ code: "MY_ERROR", message: "boom" }, ctx));
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe("MY_ERROR");
    expect(toWireError(error)).toEqual({ code: "MY_ERROR", message: "boom" });
  });

  test("defaults to DEMO_FAILURE", () => {
    const error = thrown(() => failOperation.handler({}, fakeCallContext("fail").ctx));
    expect((error as HubError).code).toBe(DEFAULT_FAIL_CODE);
    expect(DEFAULT_FAIL_CODE).toBe("DEMO_FAILURE");
    expect((error as Error).message.length).toBeGreaterThan(0);
  });

  test("a code that is not upper snake case becomes VALIDATION_ERROR, never a bad frame", () => {
    const error = thrown(() => failOperation.handler({ code: "lower case" }, fakeCallContext("fail").ctx));
    expect((error as HubError).code).toBe("VALIDATION_ERROR");
  });
});
