/**
 * Operations every test spoke offers — the in-process SDK spokes of the integration suites, the child-process
 * spokes of the cluster suites and the SDK suites' spoke — written once.
 */
import { Type } from "@sinclair/typebox";

export const commonOperations = {
  "math.add": {
    type: "query" as const,
    description: "Adds two numbers",
    input: Type.Object({ a: Type.Number(), b: Type.Number() }),
    output: Type.Number(),
    handler: ({ a, b }: { a: number; b: number }) => a + b,
  },
  "count.up": {
    type: "subscription" as const,
    description: "Yields 1..n",
    input: Type.Object({ n: Type.Integer({ minimum: 0 }) }),
    async *handler({ n }: { n: number }) {
      for (let i = 1; i <= n; i++) yield i;
    },
  },
  "fail.plain": {
    type: "query" as const,
    description: "Throws a plain error",
    input: Type.Object({}),
    handler: () => {
      throw new Error("disk on fire");
    },
  },
  "fail.coded": {
    type: "query" as const,
    description: "Throws an error with a domain code",
    input: Type.Object({}),
    handler: () => {
      throw Object.assign(new Error("no such file"), { code: "FILE_NOT_FOUND" });
    },
  },
};
