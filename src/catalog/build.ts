/**
 * Building index entries: an operation with its compiled validators, and a spoke with its operation map. All
 * compilation happens here, before anything is stored, so a schema that fails leaves the catalog untouched.
 */
import type { ValidateFunction } from "ajv";
import { HubError, type OperationSpec, publishedName, validateSpokeName } from "../protocol/index.ts";
import { rowVisibility, type SpokeRow, spokeMetadata } from "./persistence.ts";
import { SchemaCompileError, type SchemaCompiler } from "./schema-compiler.ts";
import type { CatalogOperation, CatalogSpoke } from "./types.ts";
import { describeValidationErrors } from "./validation-message.ts";

const accept = (): undefined => undefined;

/**
 * Compiles the schemas of every operation of spoke `spokeName` and returns the operations by local name.
 * Throws `HubError` `VALIDATION_ERROR` naming the operation and the problem (invalid name, duplicate name,
 * a schema that does not compile).
 */
export function buildOperations(
  spokeName: string,
  specs: readonly OperationSpec[],
  compiler: SchemaCompiler,
): Map<string, CatalogOperation> {
  const spokeCheck = validateSpokeName(spokeName);
  if (!spokeCheck.ok) throw new HubError("VALIDATION_ERROR", spokeCheck.error);
  const built = new Map<string, CatalogOperation>();
  for (const spec of specs) {
    if (built.has(spec.name)) {
      throw new HubError("VALIDATION_ERROR", `operation "${spec.name}" is registered twice`);
    }
    built.set(spec.name, buildOperation(spokeName, spec, compiler));
  }
  return built;
}

/** One operation of spoke `spokeName`; see `buildOperations` for what it throws. */
export function buildOperation(
  spokeName: string,
  spec: OperationSpec,
  compiler: SchemaCompiler,
): CatalogOperation {
  const name = publishedName(spokeName, spec.name);
  const input = compileFor(spec.name, "inputSchema", spec.inputSchema, compiler);
  const output =
    spec.outputSchema === undefined
      ? undefined
      : compileFor(spec.name, "outputSchema", spec.outputSchema, compiler);
  // The spec keeps the compiler's shared copies of its schemas, not the ones parsed from this registration.
  const shared: OperationSpec = { ...spec, inputSchema: input.schema };
  if (output !== undefined) shared.outputSchema = output.schema;
  return {
    name,
    localName: spec.name,
    spokeName,
    spec: shared,
    checkInput: checker(input.validate, "input"),
    checkOutput: output === undefined ? accept : checker(output.validate, "output"),
  };
}

function compileFor(
  operation: string,
  field: "inputSchema" | "outputSchema",
  schema: Record<string, unknown>,
  compiler: SchemaCompiler,
): { validate: ValidateFunction; schema: Record<string, unknown> } {
  try {
    return compiler.compileShared(schema);
  } catch (error) {
    const reason = error instanceof SchemaCompileError ? error.message : String(error);
    throw new HubError("VALIDATION_ERROR", `operation "${operation}": ${field} does not compile: ${reason}`, {
      cause: error,
    });
  }
}

type Checker = (value: unknown) => string | undefined;

// One checker per compiled validator and root: identical schemas share a validator (the compiler's cache), so
// the many operations of many spokes of one kind share one closure instead of holding one each (issue #11).
const checkers = {
  input: new WeakMap<ValidateFunction, Checker>(),
  output: new WeakMap<ValidateFunction, Checker>(),
};

function checker(validate: ValidateFunction, root: "input" | "output"): Checker {
  let check = checkers[root].get(validate);
  if (check === undefined) {
    // The valid path returns before touching `errors`: no allocation per accepted call.
    check = (value) => (validate(value) ? undefined : describeValidationErrors(validate.errors, root));
    checkers[root].set(validate, check);
  }
  return check;
}

/** The index entry of a stored spoke row with its (already built) operations. */
export function spokeFromRow(
  row: SpokeRow,
  operations: ReadonlyMap<string, CatalogOperation>,
  live: boolean,
): CatalogSpoke {
  const metadata = spokeMetadata(row);
  return {
    id: row.id,
    name: row.name,
    accountId: row.accountId,
    keyId: row.keyId ?? "",
    ...(row.kind === null ? {} : { kind: row.kind }),
    ...(row.version === null ? {} : { version: row.version }),
    hostInfo: row.hostInfo,
    visibility: rowVisibility(row),
    ...(metadata.maxConcurrency === undefined ? {} : { maxConcurrency: metadata.maxConcurrency }),
    live,
    ...(row.instanceId === null ? {} : { instanceId: row.instanceId }),
    ...(metadata.connectionId === undefined ? {} : { connectionId: metadata.connectionId }),
    ...(row.connectedAt === null ? {} : { connectedAt: row.connectedAt }),
    ...(row.disconnectedAt === null ? {} : { disconnectedAt: row.disconnectedAt }),
    operations,
  };
}
