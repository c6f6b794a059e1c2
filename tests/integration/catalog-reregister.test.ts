/**
 * Re-registering the same operation set (a spoke reconnecting after a restart) rewrites only the spoke's own
 * row; a changed set replaces the operation rows.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { SpokeRegistration } from "../../src/catalog/index.ts";
import { accounts, operations, spokes } from "../../src/store/index.ts";
import { describeWithServices } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

describeWithServices("catalog re-registration", () => {
  let testHub: TestHub;

  beforeAll(async () => {
    testHub = await startTestHub();
  }, 60_000);

  afterAll(async () => {
    await testHub?.stop();
  });

  const registration = (connectionId: string, descriptions: string[]): SpokeRegistration => ({
    name: "steady",
    accountId: "",
    keyId: "",
    visibility: "public",
    instanceId: testHub.hub.instanceId,
    connectionId,
    operations: descriptions.map((description, i) => ({
      name: `op${i}`,
      type: "query",
      description,
      inputSchema: { type: "object", properties: {} },
    })),
  });

  test("the same set keeps its operation rows; a changed set replaces them", async () => {
    const { catalog } = testHub.hub.subsystems;
    const db = testHub.hub.store.db;
    // The registration needs an account row for its foreign key.
    const [account] = await db.insert(accounts).values({ name: "steady" }).returning({ id: accounts.id });
    const accountId = account!.id;
    const ids = async () => {
      const [spoke] = await db.select().from(spokes).where(eq(spokes.name, "steady"));
      const rows = await db.select().from(operations).where(eq(operations.spokeId, spoke!.id));
      return rows.map((row) => row.id).sort();
    };
    await catalog.register({ ...registration("c1", ["a", "b"]), accountId });
    const first = await ids();
    expect(first).toHaveLength(2);
    await catalog.register({ ...registration("c2", ["a", "b"]), accountId });
    expect(await ids()).toEqual(first);
    expect(catalog.spoke("steady")?.connectionId).toBe("c2");
    await catalog.register({ ...registration("c3", ["a", "changed"]), accountId });
    const third = await ids();
    expect(third).toHaveLength(2);
    expect(third).not.toEqual(first);
    expect(catalog.operation("steady.op1")?.spec.description).toBe("changed");
  });
});
