/**
 * Builders for the catalog's unit tests: identities, operation specs and index entries without a database.
 * Test support.
 */
import type { Identity, Scope } from "../../src/auth/index.ts";
import { buildOperation } from "../../src/catalog/build.ts";
import { CatalogIndex } from "../../src/catalog/catalog-index.ts";
import { SchemaCompiler } from "../../src/catalog/schema-compiler.ts";
import type { CatalogSpoke } from "../../src/catalog/types.ts";
import { silentLogger } from "../../src/log/index.ts";
import type { OperationSpec, Visibility } from "../../src/protocol/index.ts";

/** An identity of account `accountId` with `scopes` and `operations` globs (default `*`). */
export function identity(
  scopes: Scope[],
  opts: { accountId?: string; operations?: string[]; keyId?: string } = {},
): Identity {
  return {
    keyId: opts.keyId ?? "key000000001",
    accountId: opts.accountId ?? "acct-a",
    accountName: "a",
    scopes,
    spokeNames: [],
    operations: opts.operations ?? ["*"],
    expiresAt: null,
  };
}

/** A query operation with an object input schema. */
export function spec(name: string, extra: Partial<OperationSpec> = {}): OperationSpec {
  return {
    name,
    type: "query",
    description: `does ${name}`,
    inputSchema: { type: "object", properties: {} },
    ...extra,
  };
}

/** Options of one test spoke. */
export interface TestSpoke {
  name: string;
  operations: OperationSpec[];
  live?: boolean;
  visibility?: Visibility;
  accountId?: string;
}

/** An index holding `spokes`, built the way the catalog builds its entries. */
export function testIndex(
  spokes: TestSpoke[],
  compiler = new SchemaCompiler({ log: silentLogger }),
): CatalogIndex {
  const index = new CatalogIndex();
  for (const test of spokes) {
    const spoke: CatalogSpoke = {
      id: `id-${test.name}`,
      name: test.name,
      accountId: test.accountId ?? "acct-a",
      keyId: "key000000001",
      visibility: test.visibility ?? "public",
      live: test.live ?? true,
      operations: new Map(test.operations.map((op) => [op.name, buildOperation(test.name, op, compiler)])),
    };
    index.put(spoke);
  }
  return index;
}
