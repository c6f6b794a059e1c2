import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { spec } from "../../tests/support/catalog-fixtures.ts";
import { silentLogger } from "../log/index.ts";
import { HubError } from "../protocol/index.ts";
import { buildOperation, buildOperations } from "./build.ts";
import { type CompiledSchema, SchemaCompileError, SchemaCompiler } from "./schema-compiler.ts";

const ReadFile = Type.Object({
  path: Type.String({ pattern: "^/" }),
  encoding: Type.Optional(Type.Union([Type.Literal("utf8"), Type.Literal("base64")])),
  lines: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }))),
  target: Type.Optional(Type.Union([Type.Object({ host: Type.String() }), Type.Number()])),
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
});

function operation(schema: Record<string, unknown>, outputSchema?: Record<string, unknown>) {
  const compiler = new SchemaCompiler({ log: silentLogger });
  return buildOperation("dev1", spec("fs.readFile", { inputSchema: schema, outputSchema }), compiler);
}

describe("input validation with TypeBox-built schemas", () => {
  const op = operation(ReadFile, Type.Object({ text: Type.String() }));

  test("valid input passes", () => {
    expect(op.checkInput({ path: "/etc/hosts" })).toBeUndefined();
    expect(
      op.checkInput({ path: "/a", encoding: "base64", lines: [1, 2], target: { host: "h" }, limit: 0 }),
    ).toBeUndefined();
    expect(op.checkInput({ path: "/a", target: 3 })).toBeUndefined();
  });

  test("each failure names the JSON path and the rule", () => {
    expect(op.checkInput({ path: 42 })).toBe("input/path: must be string");
    expect(op.checkInput({ path: "relative" })).toBe('input/path: must match pattern "^/"');
    expect(op.checkInput({})).toBe("input: must have required property 'path'");
    expect(op.checkInput("nope")).toBe("input: must be object");
    expect(op.checkInput({ path: "/a", lines: [1, 0] })).toBe("input/lines/1: must be >= 1");
    expect(op.checkInput({ path: "/a", lines: [1.5] })).toBe("input/lines/0: must be integer");
    expect(op.checkInput({ path: "/a", limit: -1 })).toBe("input/limit: must be >= 0");
    expect(op.checkInput({ path: "/a", encoding: "latin1" })).toBe(
      'input/encoding: must be one of "utf8", "base64"',
    );
    expect(op.checkInput({ path: "/a", target: "x" })).toBe("input/target: must match a schema in anyOf");
  });

  test("output is checked against outputSchema under the root `output`", () => {
    expect(op.checkOutput({ text: "hi" })).toBeUndefined();
    expect(op.checkOutput({ text: 1 })).toBe("output/text: must be string");
  });

  test("without an outputSchema every output is accepted", () => {
    expect(operation(ReadFile).checkOutput(12)).toBeUndefined();
  });

  test("additional and constant properties are named", () => {
    const strict = operation(Type.Object({ mode: Type.Literal("r") }, { additionalProperties: false }));
    expect(strict.checkInput({ mode: "r", extra: 1 })).toBe(
      "input: must not have additional property 'extra'",
    );
    expect(strict.checkInput({ mode: "w" })).toBe('input/mode: must be "r"');
  });
});

/** Whether `compiled` accepts `value`. */
const accepts = (compiled: CompiledSchema, value: unknown) => compiled.check(value, "value") === undefined;

describe("SchemaCompiler", () => {
  test("identical schema text is compiled once and the validator shared", () => {
    const compiler = new SchemaCompiler({ log: silentLogger });
    const first = compiler.compile(Type.Object({ a: Type.String() }));
    const second = compiler.compile(JSON.parse(JSON.stringify(Type.Object({ a: Type.String() }))));
    expect(second).toBe(first);
    expect(compiler.size).toBe(1);
    expect(compiler.compile(Type.Object({ b: Type.String() }))).not.toBe(first);
  });

  test("the cache is bounded and evicts the least recently used; evicted validators still work", () => {
    const compiler = new SchemaCompiler({ log: silentLogger, maxEntries: 2 });
    const a = compiler.compile({ type: "string" });
    compiler.compile({ type: "number" });
    expect(compiler.compile({ type: "string" })).toBe(a);
    compiler.compile({ type: "boolean" });
    expect(compiler.size).toBe(2);
    expect(compiler.compile({ type: "string" })).toBe(a);
    const numberAgain = compiler.compile({ type: "number" });
    expect(accepts(numberAgain, 1)).toBe(true);
    expect(accepts(a, "x")).toBe(true);
    expect(accepts(a, 1)).toBe(false);
  });

  test("a schema that does not compile throws a SchemaCompileError saying why", () => {
    const compiler = new SchemaCompiler({ log: silentLogger });
    expect(() => compiler.compile({ type: "strng" })).toThrow(SchemaCompileError);
    expect(() => compiler.compile({ type: "string", pattern: "(" })).toThrow(
      /schema path \/pattern: the linear-time regex engine/,
    );
    expect(() => compiler.compile({ $ref: "#/$defs/missing" })).toThrow(
      /does not resolve within this schema/,
    );
    expect(() => compiler.compile({ $async: true, type: "object" })).toThrow(/\$async/);
    expect(() => compiler.compile({ $schema: "http://example.com/s", type: "object" })).toThrow(
      /unsupported \$schema/,
    );
    expect(compiler.size).toBe(0);
  });

  test("draft-07 schemas (common in MCP tools) compile too", () => {
    const compiler = new SchemaCompiler({ log: silentLogger });
    const validate = compiler.compile({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { q: { type: "string" } },
      required: ["q"],
    });
    expect(accepts(validate, { q: "x" })).toBe(true);
    expect(accepts(validate, {})).toBe(false);
  });

  test("schemas with $id do not collide or resolve across schemas", () => {
    const compiler = new SchemaCompiler({ log: silentLogger });
    const one = compiler.compile({ $id: "https://example.com/x", type: "string" });
    const two = compiler.compile({ $id: "https://example.com/x", type: "number" });
    expect([accepts(one, "s"), accepts(two, 1), accepts(two, "s")]).toEqual([true, true, false]);
    expect(() => compiler.compile({ $ref: "https://example.com/x" })).toThrow(SchemaCompileError);
  });

  test("buildOperations names the operation whose schema fails, and rejects duplicates", async () => {
    const compiler = new SchemaCompiler({ log: silentLogger });
    const bad = () =>
      buildOperations("dev1", [spec("ok.one"), spec("bad.two", { outputSchema: { type: 12 } })], compiler);
    expect(bad()).rejects.toThrow(HubError);
    expect(bad()).rejects.toThrow(/operation "bad\.two": outputSchema does not compile: schema is invalid/);
    const error = await bad().catch((e: unknown) => e);
    expect((error as HubError).code).toBe("VALIDATION_ERROR");
    expect(buildOperations("dev1", [spec("a"), spec("a")], compiler)).rejects.toThrow(/registered twice/);
    expect(buildOperations("hub", [spec("a")], compiler)).rejects.toThrow(/reserved/);
    expect(buildOperations("dev1", [spec("9bad")], compiler)).rejects.toThrow(/segment 1/);
  });
});
