/**
 * Building index entries: an operation with its compiled validators, and a spoke with its operation map. All
 * compilation happens here, before anything is stored, so a schema that fails leaves the catalog untouched.
 */
import { type HandlerTimer, UNTIMED } from "../health/index.ts";
import { yieldToLoop } from "../loop-slices.ts";
import { HubError, type OperationSpec, publishedName, validateSpokeName } from "../protocol/index.ts";
import { OperationSet } from "./operation-set.ts";
import { rowVisibility, type SpokeRow, spokeMetadata } from "./persistence.ts";
import { type CompiledSchema, SchemaCompileError, type SchemaCompiler } from "./schema-compiler.ts";
import type { SharedSpecs } from "./shared-specs.ts";
import type { CatalogOperation, CatalogSpoke, SpokeRegistration } from "./types.ts";

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
 * With `specs`, the operations hold the shared copy of each spec (see `SharedSpecs`).
 */
export async function buildOperations(
  spokeName: string,
  specs: readonly OperationSpec[],
  compiler: SchemaCompiler,
  timer: HandlerTimer = UNTIMED,
  shared?: SharedSpecs,
): Promise<OperationSet> {
  const spokeCheck = validateSpokeName(spokeName);
  if (!spokeCheck.ok) throw new HubError("VALIDATION_ERROR", spokeCheck.error);
  const built: CatalogOperation[] = [];
  const names = new Set<string>();
  let sliceStarted = performance.now();
  for (const spec of specs) {
    if (names.has(spec.name)) {
      throw new HubError("VALIDATION_ERROR", `operation "${spec.name}" is registered twice`);
    }
    names.add(spec.name);
    if (performance.now() - sliceStarted > COMPILE_SLICE_MS) {
      await yieldToLoop();
      sliceStarted = performance.now();
    }
    const started = performance.now();
    built.push(buildOperation(spokeName, spec, compiler, shared));
    timer.record("catalog:compile", performance.now() - started);
  }
  return new OperationSet(built);
}

/** One operation of spoke `spokeName`; see `buildOperations` for what it throws. */
export function buildOperation(
  spokeName: string,
  spec: OperationSpec,
  compiler: SchemaCompiler,
  shared?: SharedSpecs,
): CatalogOperation {
  const name = publishedName(spokeName, spec.name);
  const input = compileFor(spec.name, "inputSchema", spec.inputSchema, compiler);
  const output =
    spec.outputSchema === undefined
      ? undefined
      : compileFor(spec.name, "outputSchema", spec.outputSchema, compiler);
  // The spec keeps the compiler's shared copies of its schemas, not the ones parsed from this registration.
  const kept = shared ? shared.share(spec, input.schema, output?.schema) : ownSpec(spec, input, output);
  return {
    name,
    localName: kept.name,
    spokeName,
    spec: kept,
    // One closure per distinct schema, shared by the operations that use it (issue #11).
    checkInput: input.checkInput,
    checkOutput: output === undefined ? accept : output.checkOutput,
  };
}

function ownSpec(
  spec: OperationSpec,
  input: CompiledSchema,
  output: CompiledSchema | undefined,
): OperationSpec {
  const own: OperationSpec = { ...spec, inputSchema: input.schema };
  if (output !== undefined) own.outputSchema = output.schema;
  return own;
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

/** The `hostInfo` of every spoke that sent none (most do not): one object, not one a spoke. */
const NO_HOST_INFO: Record<string, unknown> = Object.freeze({});

/**
 * The index entry of a stored spoke row with its (already built) operations. `known`: the registration just
 * written, whose strings the entry keeps where the row repeats them (15,000 spokes of one key and instance
 * hold one copy of the account, key and instance ids, not one a spoke).
 */
export function spokeFromRow(
  row: SpokeRow,
  operations: ReadonlyMap<string, CatalogOperation>,
  live: boolean,
  known?: Pick<SpokeRegistration, "accountId" | "keyId" | "instanceId" | "connectionId">,
): CatalogSpoke {
  const metadata = spokeMetadata(row);
  const same = (value: string, twin: string | undefined): string => (value === twin ? twin : value);
  const connectionId =
    metadata.connectionId === undefined ? undefined : same(metadata.connectionId, known?.connectionId);
  return {
    id: row.id,
    name: row.name,
    accountId: same(row.accountId, known?.accountId),
    keyId: same(row.keyId ?? "", known?.keyId),
    ...(row.kind === null ? {} : { kind: row.kind }),
    ...(row.version === null ? {} : { version: row.version }),
    hostInfo: Object.keys(row.hostInfo).length === 0 ? NO_HOST_INFO : row.hostInfo,
    visibility: rowVisibility(row),
    ...(metadata.maxConcurrency === undefined ? {} : { maxConcurrency: metadata.maxConcurrency }),
    live,
    ...(row.instanceId === null ? {} : { instanceId: same(row.instanceId, known?.instanceId) }),
    ...(connectionId === undefined ? {} : { connectionId }),
    ...(row.connectedAt === null ? {} : { connectedAt: row.connectedAt }),
    ...(row.disconnectedAt === null ? {} : { disconnectedAt: row.disconnectedAt }),
    ...(row.disabledAt === null ? {} : { disabledAt: row.disabledAt }),
    operations,
  };
}
