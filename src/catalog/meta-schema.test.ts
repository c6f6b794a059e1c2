import { describe, expect, test } from "bun:test";
import { generateMetaSchemasModule } from "../../scripts/gen-meta-schemas.ts";
import { silentLogger } from "../log/index.ts";
import { ajvOptions, createAjv, type Dialect } from "./ajv-instances.ts";
import { metaSchemaErrors, UnknownMetaSchemaError } from "./meta-schema.ts";

test("the committed validators match the installed Ajv (run `bun scripts/gen-meta-schemas.ts` when this fails)", async () => {
  const committed = await Bun.file(new URL("./meta-schemas.gen.ts", import.meta.url)).text();
  expect(await generateMetaSchemasModule()).toBe(committed);
}, 30_000);

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

/** Valid and invalid schemas of both dialects, touching every kind of meta-schema rule. */
const SCHEMAS: ReadonlyArray<[Dialect, unknown]> = [
  ["2020-12", { type: "object", properties: { a: { type: "string", pattern: "^a" } }, required: ["a"] }],
  ["2020-12", true],
  ["2020-12", { type: 12 }],
  ["2020-12", { type: "strng" }],
  ["2020-12", { type: ["string", "string"] }],
  ["2020-12", { required: ["a", "a"] }],
  ["2020-12", { dependentRequired: { a: ["b", "b"] } }],
  ["2020-12", { $anchor: "bad anchor" }],
  ["2020-12", { $anchor: "ok", $dynamicAnchor: "meta" }],
  ["2020-12", { minLength: -1 }],
  ["2020-12", { minLength: 1.5 }],
  ["2020-12", { enum: "x" }],
  ["2020-12", { pattern: 5 }],
  ["2020-12", { properties: { a: 5 } }],
  ["2020-12", { items: [{ type: "string" }] }],
  ["2020-12", { $defs: { a: { not: { uniqueItems: "yes" } } } }],
  ["2020-12", { $vocabulary: { "http://x": 1 } }],
  ["2020-12", { $schema: "https://json-schema.org/draft/2020-12/schema#", $comment: 1 }],
  ["draft-07", { $schema: DRAFT_07, items: [{ type: "string" }], additionalItems: false }],
  ["draft-07", { $schema: DRAFT_07, type: ["string", "string"] }],
  ["draft-07", { $schema: DRAFT_07, dependencies: { a: ["b", "b"] } }],
  ["draft-07", { $schema: DRAFT_07, definitions: { a: 1 } }],
  ["draft-07", { $schema: "http://json-schema.org/draft-07/schema", minItems: -1 }],
];

describe("the generated meta-schema check", () => {
  test("accepts and refuses what Ajv's own validateSchema does, with the same errors", () => {
    const reference = {
      "2020-12": createAjv("2020-12", { ...ajvOptions(silentLogger), validateSchema: true }),
      "draft-07": createAjv("draft-07", { ...ajvOptions(silentLogger), validateSchema: true }),
    };
    let refused = 0;
    for (const [dialect, schema] of SCHEMAS) {
      const ajv = reference[dialect];
      const valid = ajv.validateSchema(schema as object);
      const expected = valid ? undefined : ajv.errorsText(ajv.errors);
      const errors = metaSchemaErrors(schema, dialect);
      expect({ schema, message: errors && ajv.errorsText(errors) }).toEqual({ schema, message: expected });
      if (!valid) refused++;
    }
    expect(refused).toBeGreaterThan(15);
  }, 30_000);

  test("a $schema Ajv holds no meta-schema under is refused as Ajv refused it", () => {
    for (const [$schema, dialect] of [
      ["http://json-schema.org/draft/2020-12/schema", "2020-12"],
      ["https://json-schema.org/draft-07/schema#", "draft-07"],
    ] as const) {
      expect(() => metaSchemaErrors({ $schema }, dialect)).toThrow(UnknownMetaSchemaError);
      expect(() => metaSchemaErrors({ $schema }, dialect)).toThrow(`no schema with key or ref "${$schema}"`);
    }
  });
});
