// alkhub-test: once
/**
 * Seeded fuzzer over operation schemas and the values checked against them (issue #10 item 1), in process:
 * random schemas built from every keyword the analysis knows, and random values. A schema is either refused
 * with a `SchemaCompileError` or compiled; a check never throws and never runs longer than a generous bound,
 * whatever the value. The seed is printed on failure (ALKHUB_FUZZ_SEED replays it).
 */
import { expect, test } from "bun:test";
import { SchemaCompileError, SchemaCompiler } from "../../src/catalog/schema-compiler.ts";
import { silentLogger } from "../../src/log/index.ts";
import { fuzz, type Rng } from "./support/index.ts";

/** A check slower than this fails: the budget allows about 1e6 steps, well under it even on a busy box. */
const CHECK_BOUND_MS = 1000;

const PATTERNS = [
  "^(a|a)*$",
  "(x+x+)+y",
  "^[a-z]+$",
  "\\d{3}",
  "(a)\\1",
  "(?=a)",
  "[",
  "^.*$",
  "é+",
  "a{2,5}",
];

function schema(rng: Rng, depth: number, defs: string[]): unknown {
  if (depth <= 0 || rng.chance(0.2)) {
    return rng.pick<unknown>([
      true,
      false,
      { type: "string" },
      { type: "number" },
      {},
      { const: rng.json(1) },
    ]);
  }
  const out: Record<string, unknown> = {};
  const keywords = rng.int(1, 4);
  for (let i = 0; i < keywords; i++) {
    switch (rng.int(0, 17)) {
      case 0:
        out.type = rng.pick(["object", "array", "string", "number", "integer", "boolean", "null"]);
        break;
      case 1:
        out.properties = { a: schema(rng, depth - 1, defs), b: schema(rng, depth - 1, defs) };
        break;
      case 2:
        out.items = schema(rng, depth - 1, defs);
        break;
      case 3:
        out[rng.pick(["allOf", "anyOf", "oneOf"])] = [
          schema(rng, depth - 1, defs),
          schema(rng, depth - 1, defs),
        ];
        break;
      case 4:
        out.not = schema(rng, depth - 1, defs);
        break;
      case 5:
        out.pattern = rng.pick(PATTERNS);
        break;
      case 6:
        out.patternProperties = { [rng.pick(PATTERNS)]: schema(rng, depth - 1, defs) };
        break;
      case 7:
        out.uniqueItems = rng.chance(0.8);
        break;
      case 8:
        out.additionalProperties = schema(rng, depth - 1, defs);
        break;
      case 9:
        if (defs.length > 0) out.$ref = `#/$defs/${rng.pick(defs)}`;
        break;
      case 10:
        out.enum = Array.from({ length: rng.int(1, 5) }, () => rng.json(2));
        break;
      case 11:
        out.contains = schema(rng, depth - 1, defs);
        break;
      case 12:
        out.prefixItems = [schema(rng, depth - 1, defs)];
        break;
      case 13:
        out.if = schema(rng, depth - 1, defs);
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's keyword; the object is data, never awaited.
        out.then = schema(rng, depth - 1, defs);
        break;
      case 14:
        out.required = ["a"];
        break;
      case 15:
        out.propertyNames = { pattern: rng.pick(PATTERNS) };
        break;
      case 16:
        out.maxLength = rng.int(0, 100);
        break;
      default:
        out.dependentSchemas = { a: schema(rng, depth - 1, defs) };
    }
  }
  return out;
}

/** A document: some `$defs` that may refer to each other (cycles included), and a root using them. */
function document(rng: Rng): Record<string, unknown> {
  const names = Array.from({ length: rng.int(0, 4) }, (_, i) => `d${i}`);
  const $defs: Record<string, unknown> = {};
  for (const name of names) $defs[name] = schema(rng, 3, names);
  const root = schema(rng, 4, names);
  const out: Record<string, unknown> =
    typeof root === "object" && root !== null ? { ...root } : { allOf: [root] };
  if (names.length > 0) out.$defs = $defs;
  return out;
}

/** Values shaped to hurt: long strings, wide and deep arrays and objects, plus random JSON. */
function value(rng: Rng): unknown {
  switch (rng.int(0, 5)) {
    case 0:
      return `${"a".repeat(rng.int(0, 200_000))}!`;
    case 1:
      return Array.from({ length: rng.int(0, 50_000) }, (_, i) => (rng.chance(0.5) ? i : { a: i }));
    case 2: {
      let deep: unknown = rng.json(1);
      for (let i = rng.int(0, 3000); i > 0; i--) deep = rng.chance(0.5) ? [deep] : { a: deep };
      return deep;
    }
    case 3: {
      const wide: Record<string, unknown> = {};
      for (let i = rng.int(0, 20_000); i > 0; i--) wide[`${"a".repeat(rng.int(1, 30))}${i}`] = i;
      return wide;
    }
    default:
      return rng.json(4);
  }
}

test("random schemas are compiled or refused cleanly; checks never throw and stay bounded", async () => {
  const compiler = new SchemaCompiler({ log: silentLogger });
  let compiled = 0;
  await fuzz("schemas", 150, (rng) => {
    const doc = document(rng);
    let checker: ReturnType<SchemaCompiler["compile"]>;
    try {
      checker = compiler.compile(doc);
    } catch (error) {
      if (!(error instanceof SchemaCompileError))
        throw new Error(`compile threw ${String(error)}: ${JSON.stringify(doc)}`);
      expect(error.message.length).toBeGreaterThan(0);
      return;
    }
    compiled++;
    for (let i = 0; i < 3; i++) {
      const input = value(rng);
      const started = performance.now();
      const result = checker.check(input, "input");
      const took = performance.now() - started;
      if (result !== undefined) expect(result.startsWith("input")).toBe(true);
      if (took > CHECK_BOUND_MS) {
        throw new Error(`a check took ${Math.round(took)} ms against ${JSON.stringify(doc).slice(0, 500)}`);
      }
    }
  });
  // The generator must reach the checker, not only the refusals.
  expect(compiled).toBeGreaterThan(15);
}, 300_000);
