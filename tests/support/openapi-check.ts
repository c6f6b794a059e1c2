/**
 * Checks an OpenAPI document the way a client generator would meet it: valid against the official OpenAPI 3.1
 * schema (`@seriousme/openapi-schema-validator`, which ships the OAI's schema and runs it with ajv), and every
 * schema in it compiles as JSON Schema 2020-12 (ajv). Returns the problems; empty when it is sound.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";

export async function openApiProblems(document: Record<string, unknown>): Promise<string[]> {
  const problems: string[] = [];
  const result = await new Validator().validate(structuredClone(document));
  if (!result.valid) problems.push(`not valid OpenAPI 3.1: ${JSON.stringify(result.errors).slice(0, 2000)}`);
  // Every schema compiles against the components it refers to.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const components =
    (document.components as { schemas?: Record<string, unknown> } | undefined)?.schemas ?? {};
  ajv.addSchema({ $id: "urn:alkhub:components", $defs: {}, components: { schemas: components } });
  const rewrite = (schema: unknown): unknown =>
    JSON.parse(
      JSON.stringify(schema).replaceAll(
        '"#/components/schemas/',
        '"urn:alkhub:components#/components/schemas/',
      ),
    );
  for (const [path, schema] of schemasOf(document)) {
    try {
      ajv.compile(rewrite(schema) as object);
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** Every schema of the document with where it sits. */
function schemasOf(document: Record<string, unknown>): [string, unknown][] {
  const found: [string, unknown][] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, `${path}/${i}`);
    } else if (value && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        if ((key === "schema" || key === "x-alkhub-event-data") && child && typeof child === "object") {
          found.push([`${path}/${key}`, child]);
        } else walk(child, `${path}/${key}`);
      }
    }
  };
  walk(document.paths, "#/paths");
  for (const [name, schema] of Object.entries(
    (document.components as { schemas?: Record<string, unknown> }).schemas ?? {},
  )) {
    found.push([`#/components/schemas/${name}`, schema]);
  }
  return found;
}
