import { describe, expect, test } from "bun:test";
import { spec } from "../../tests/support/catalog-fixtures.ts";
import { silentLogger } from "../log/index.ts";
import { buildOperations } from "./build.ts";
import type { OperationSet } from "./operation-set.ts";
import { SchemaCompiler } from "./schema-compiler.ts";

async function set(count: number): Promise<OperationSet> {
  const compiler = new SchemaCompiler({ log: silentLogger });
  return buildOperations(
    "dev1",
    Array.from({ length: count }, (_, i) => spec(`op${i}`)),
    compiler,
  );
}

describe("OperationSet", () => {
  test("reads as a map by local name, in registration order", async () => {
    for (const count of [0, 3, 40]) {
      const ops = await set(count);
      expect(ops.size).toBe(count);
      expect([...ops.keys()]).toEqual(Array.from({ length: count }, (_, i) => `op${i}`));
      expect([...ops.values()].map((op) => op.name)).toEqual([...ops.keys()].map((k) => `dev1.${k}`));
      expect([...ops].map(([key, op]) => key === op.localName)).toEqual(Array(count).fill(true));
      for (const key of ops.keys()) expect(ops.get(key)?.localName).toBe(key);
      expect(ops.get("missing")).toBeUndefined();
      expect(ops.has("op1")).toBe(count > 1);
      const seen: string[] = [];
      ops.forEach((op, key, map) => {
        expect(map).toBe(ops);
        seen.push(`${key}=${op.localName}`);
      });
      expect(seen).toHaveLength(count);
    }
  });
});
