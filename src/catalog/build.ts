/**
 * Building index entries: an operation with its compiled validators, and a spoke with its operation map. All
 * compilation happens here, before anything is stored, so a schema that fails leaves the catalog untouched.
 */
import { type HandlerTimer, UNTIMED } from "../health/index.ts";
import { yieldToLoop } from "../loop-slices.ts";
import { HubError, type OperationSpec, publishedName, validateSpokeName } from "../protocol/index.ts";
import { rowVisibility, type SpokeRow, spokeMetadata } from "./persistence.ts";
import { type CompiledSchema, SchemaCompileError, type SchemaCompiler } from "./schema-compiler.ts";
import type { CatalogOperation, CatalogSpoke } from "./types.ts";

const accept = (): undefined => undefined;

/**
 * How long compiling may hold the event loop before it yields (issue #10): a registration of a thousand
 * operations is compiled in slices, with other work in between.
 */
export const COMPILE_SLICE_MS = 4;

/**
 * Compiles the schemas of every operation of spoke `spokeName` and returns the operations by local name,
 * yielding to the event loop every {@link COMPILE_SLICE_MS}. Throws `HubError` `VALIDATION_ERROR` naming the
 * operation and the problem (invalid name, duplicate name, a schema that does not compile or cannot be bounded).
 */
export async function buildOperations(
  spokeName: string,
  specs: readonly OperationSpec[],
  compiler: SchemaCompiler,
  timer: HandlerTimer = UNTIMED,
): Promise<Map<string, CatalogOperation>> {
  const spokeCheck = validateSpokeName(spokeName);
  if (!spokeCheck.ok) throw new HubError("VALIDATION_ERROR", spokeCheck.error);
  const built = new Map<string, CatalogOperation>();
  let sliceStarted = performance.now();
  for (const spec of specs) {
    if (built.has(spec.name)) {
      throw new HubError("VALIDATION_ERROR", `operation "${spec.name}" is registered twice`);
    }
    if (performance.now() - sliceStarted > COMPILE_SLICE_MS) {
      await yieldToLoop();
      sliceStarted = performance.now();
    }
    const started = performance.now();
    built.set(spec.name, buildOperation(spokeName, spec, compiler));
    timer.record("catalog:compile", performance.now() - started);
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
    // One closure per distinct schema, shared by the operations that use it (issue #11).
    checkInput: input.checkInput,
    checkOutput: output === undefined ? accept : output.checkOutput,
  };
}

function compileFor(
  operation: string,
  field: "inputSchema" | "outputSchema",
  schema: Record<string, unknown>,
  compiler: SchemaCompiler,
): CompiledSchema {
  try {
    return compiler.compile(schema);
  } catch (error) {
    const reason = error instanceof SchemaCompileError ? error.message : String(error);
    throw new HubError("VALIDATION_ERROR", `operation "${operation}": ${field} does not compile: ${reason}`, {
      cause: error,
    });
  }
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
    ...(row.disabledAt === null ? {} : { disabledAt: row.disabledAt }),
    operations,
  };
}
