/** Operation definitions: the typed helper and their conversion to the wire `OperationSpec`. */
import type { TSchema } from "@sinclair/typebox";
import {
  MAX_NAME_LENGTH,
  type OperationSpec,
  validateOperationName,
  validateSpokeName,
} from "../protocol/index.ts";
import { SpokeOptionsError } from "./errors.ts";
import type { AnyOperationDef, OperationDef, QueryOperationDef, SubscriptionOperationDef } from "./types.ts";

/**
 * Returns `definition` unchanged; exists for type inference: the handler's input type comes from `input`
 * and its result is checked against `output` (which an inline definition in `connectSpoke` does not check).
 */
export function defineOperation<I extends TSchema, O extends TSchema = TSchema>(
  definition: QueryOperationDef<I, O>,
): QueryOperationDef<I, O>;
export function defineOperation<I extends TSchema, O extends TSchema = TSchema>(
  definition: SubscriptionOperationDef<I, O>,
): SubscriptionOperationDef<I, O>;
export function defineOperation(definition: OperationDef): OperationDef {
  return definition;
}

// TypeBox schemas carry symbol keys and may hold functions; the JSON round trip keeps only the JSON Schema.
function jsonSchema(schema: TSchema, where: string): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  } catch (error) {
    throw new SpokeOptionsError(`${where} is not serialisable JSON Schema`, { cause: error });
  }
}

/** Checks the spoke name and every operation, and builds the specs sent in `hub.register`. */
export function buildOperationSpecs(
  spoke: string,
  operations: Record<string, AnyOperationDef>,
): OperationSpec[] {
  const spokeCheck = validateSpokeName(spoke);
  if (!spokeCheck.ok) throw new SpokeOptionsError(`options.name: ${spokeCheck.error}`);
  return Object.entries(operations).map(([name, def]) => {
    const where = `options.operations[${JSON.stringify(name)}]`;
    const check = validateOperationName(name);
    if (!check.ok) throw new SpokeOptionsError(`${where}: ${check.error}`);
    if (spoke.length + 1 + name.length > MAX_NAME_LENGTH) {
      throw new SpokeOptionsError(
        `${where}: "${spoke}.${name}" is longer than ${MAX_NAME_LENGTH} characters`,
      );
    }
    if (!["query", "mutation", "subscription"].includes(def.type)) {
      throw new SpokeOptionsError(`${where}.type must be "query", "mutation" or "subscription"`);
    }
    if (typeof def.handler !== "function") throw new SpokeOptionsError(`${where}.handler must be a function`);
    if (typeof def.input !== "object" || def.input === null) {
      throw new SpokeOptionsError(`${where}.input must be a TypeBox schema`);
    }
    const spec: OperationSpec = {
      name,
      type: def.type,
      description: def.description ?? "",
      inputSchema: jsonSchema(def.input, `${where}.input`),
    };
    if (def.output !== undefined) spec.outputSchema = jsonSchema(def.output, `${where}.output`);
    if (def.title !== undefined) spec.title = def.title;
    if (def.tags !== undefined) spec.tags = def.tags;
    if (def.annotations !== undefined) spec.annotations = def.annotations;
    if (def.version !== undefined) spec.version = def.version;
    return spec;
  });
}
