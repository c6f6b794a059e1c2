import { describe, expect, test } from "bun:test";
import { spec } from "../../tests/support/catalog-fixtures.ts";
import { silentLogger } from "../log/index.ts";
import { buildOperations } from "./build.ts";
import { SchemaCompiler } from "./schema-compiler.ts";
import { SharedSpecs } from "./shared-specs.ts";

describe("SharedSpecs", () => {
  test("spokes registering the same specs hold one copy of each; any difference gets its own", async () => {
    const compiler = new SchemaCompiler({ log: silentLogger });
    const shared = new SharedSpecs();
    const specs = () => [spec("fs.read"), spec("fs.write", { outputSchema: { type: "string" } })];
    const a = [...(await buildOperations("dev1", specs(), compiler, undefined, shared)).values()];
    const b = [...(await buildOperations("dev2", specs(), compiler, undefined, shared)).values()];
    expect(b[0]?.spec).toBe(a[0]!.spec);
    expect(b[1]?.spec).toBe(a[1]!.spec);
    expect(b[1]?.localName).toBe("fs.write");
    expect(b[1]?.name).toBe("dev2.fs.write");
    expect(a[1]?.spec).toEqual(specs()[1]!);
    const other = await buildOperations(
      "dev3",
      [spec("fs.read", { description: "another" }), spec("fs.write", { outputSchema: { type: "number" } })],
      compiler,
      undefined,
      shared,
    );
    const [read, write] = other.values();
    expect(read?.spec).not.toBe(a[0]!.spec);
    expect(read?.spec.description).toBe("another");
    expect(write?.spec).not.toBe(a[1]!.spec);
    expect(write?.checkOutput(1)).toBeUndefined();
    expect(shared.size).toBe(4);
  });

  test("the table is bounded; an evicted spec stays with whoever holds it", () => {
    const shared = new SharedSpecs(2);
    const schema = { type: "object" };
    const first = shared.share(spec("a"), schema, undefined);
    shared.share(spec("b"), schema, undefined);
    shared.share(spec("c"), schema, undefined);
    expect(shared.size).toBe(2);
    expect(first.name).toBe("a");
    expect(shared.share(spec("a"), schema, undefined)).not.toBe(first);
  });
});
