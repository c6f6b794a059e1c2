// alkhub-test: once
/**
 * The catalog against both stores: the same cases on real Postgres (a fresh database) and embedded PGlite (a temp
 * data dir opened once for the file). Two catalogs on one database and one memory bus stand for two hub
 * instances.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { eq } from "drizzle-orm";
import type { Identity } from "../../src/auth/index.ts";
import { type Bus, createMemoryBus } from "../../src/bus/index.ts";
import { Catalog, type SpokeRegistration } from "../../src/catalog/index.ts";
import { silentLogger } from "../../src/log/index.ts";
import { HubError, type OperationSpec } from "../../src/protocol/index.ts";
import { accounts, openStore, operations, type Store, spokes } from "../../src/store/index.ts";
import { eventually } from "../support/eventually.ts";
import { createTestDatabase, describeWithServices, type TestDatabase } from "../support/services.ts";

// A first initdb took 45–95 s on the shared 2-core box under load (the in-thread store as much as the worker).
const PGLITE_START_MS = 180_000;
const admin: Identity = {
  keyId: "adminkey0001",
  accountId: "nobody",
  accountName: "root",
  scopes: ["admin"],
  spokeNames: [],
  operations: [],
  expiresAt: null,
};

const ReadInput = Type.Object({
  path: Type.String({ pattern: "^/" }),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
});

function op(name: string, extra: Partial<OperationSpec> = {}): OperationSpec {
  return { name, type: "query", description: `does ${name}`, inputSchema: ReadInput, ...extra };
}

interface Backend {
  /** The store both catalogs use (Postgres: the first of two pools). */
  open(): Promise<{ store: Store; second: Store; close(): Promise<void> }>;
}

function catalogSuite(kind: string, backend: () => Backend): void {
  let store: Store;
  let second: Store;
  let close: () => Promise<void>;
  let bus: Bus;
  let one: Catalog;
  let two: Catalog;
  let accountId: string;
  let serial = 0;

  beforeAll(async () => {
    ({ store, second, close } = await backend().open());
    await store.migrate();
    const [account] = await store.db
      .insert(accounts)
      .values({ name: `acme-${kind}` })
      .returning();
    accountId = account!.id;
    bus = createMemoryBus();
    one = new Catalog({ store, bus, log: silentLogger, instanceId: "instance-one", heartbeatFlushMs: 50 });
    two = new Catalog({ store: second, bus, log: silentLogger, instanceId: "instance-two" });
    await one.start();
    await two.start();
  }, PGLITE_START_MS);

  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await bus?.close();
    await close?.();
  });

  function registration(name: string, ops: OperationSpec[], extra: Partial<SpokeRegistration> = {}) {
    serial++;
    return {
      name,
      accountId,
      keyId: "spokekey0001",
      visibility: "public" as const,
      operations: ops,
      instanceId: "instance-one",
      connectionId: `conn-${serial}`,
      ...extra,
    };
  }

  async function rowsOf(name: string) {
    const [spoke] = await store.db.select().from(spokes).where(eq(spokes.name, name));
    const ops = spoke
      ? await store.db
          .select()
          .from(operations)
          .where(eq(operations.spokeId, spoke.id))
          .orderBy(operations.name)
      : [];
    return { spoke, ops };
  }

  test("register persists the spoke row and its operation rows, and indexes them", async () => {
    const before = Date.now();
    const reg = registration(
      "dev1",
      [
        op("fs.readFile", {
          title: "Read",
          tags: ["files"],
          outputSchema: Type.Object({ text: Type.String() }),
        }),
        op("fs.stat"),
      ],
      {
        kind: "dev-env",
        version: "1.2.0",
        hostInfo: { os: "linux" },
        maxConcurrency: 4,
        visibility: "owner",
      },
    );
    const changes: string[] = [];
    const off = one.onChange((name) => changes.push(name));
    const spoke = await one.register(reg);
    off();
    expect(changes).toEqual(["dev1"]);
    expect(spoke).toMatchObject({
      name: "dev1",
      live: true,
      kind: "dev-env",
      maxConcurrency: 4,
      visibility: "owner",
    });

    const { spoke: row, ops } = await rowsOf("dev1");
    expect(row).toMatchObject({
      id: spoke.id,
      accountId,
      keyId: "spokekey0001",
      kind: "dev-env",
      version: "1.2.0",
      hostInfo: { os: "linux" },
      visibility: "owner",
      status: "online",
      instanceId: "instance-one",
      disconnectedAt: null,
    });
    expect(row!.metadata).toMatchObject({ connectionId: reg.connectionId, maxConcurrency: 4 });
    expect(row!.connectedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row!.lastHeartbeatAt).toEqual(row!.connectedAt);
    expect(ops.map((o) => [o.name, o.localName, o.type, o.title, o.tags])).toEqual([
      ["dev1.fs.readFile", "fs.readFile", "query", "Read", ["files"]],
      ["dev1.fs.stat", "fs.stat", "query", null, []],
    ]);
    expect(ops[0]!.inputSchema).toEqual(JSON.parse(JSON.stringify(ReadInput)));
    expect(ops[0]!.outputSchema).toEqual({
      type: "object",
      required: ["text"],
      properties: { text: { type: "string" } },
    });

    const read = one.operation("dev1.fs.readFile")!;
    expect(read.checkInput({ path: "/etc" })).toBeUndefined();
    expect(read.checkInput({ path: 7 })).toBe("input/path: must be string");
    expect(read.checkOutput({ text: false })).toBe("output/text: must be string");
    expect(one.operationCount).toBe(2);
    expect(one.liveSpokeCount).toBe(1);
  });

  test("re-registering replaces the operation set in one transaction: never both sets, never none", async () => {
    const setA = [op("a.one"), op("a.two"), op("a.three")];
    const setB = [op("b.one"), op("b.two"), op("b.three"), op("b.four"), op("b.five")];
    await one.register(registration("swap", setA));
    const { spoke } = await rowsOf("swap");
    const namesA = setA.map((o) => o.name).sort();
    const namesB = setB.map((o) => o.name).sort();
    const seen = new Set<string>();
    let done = false;
    // Reads on a second pool (Postgres) while the swaps run; PGlite serialises them between transactions.
    const reader = (async () => {
      let reads = 0;
      while (!done || reads === 0) {
        const rows = await second.db
          .select({ localName: operations.localName })
          .from(operations)
          .where(eq(operations.spokeId, spoke!.id));
        const names = rows.map((r) => r.localName).sort();
        seen.add(names.length === 3 ? "A" : names.length === 5 ? "B" : `other:${names.join(",")}`);
        if (names.length === 3) expect(names).toEqual(namesA);
        if (names.length === 5) expect(names).toEqual(namesB);
        reads++;
      }
      return reads;
    })();
    const changes: string[] = [];
    const off = one.onChange((name) => changes.push(name));
    for (let round = 0; round < 10; round++) {
      await one.register(registration("swap", round % 2 === 0 ? setB : setA));
    }
    done = true;
    expect(await reader).toBeGreaterThan(0);
    off();
    expect([...seen].filter((s) => s.startsWith("other"))).toEqual([]);
    expect(changes).toEqual(Array(10).fill("swap"));
    // Ten rounds end on set A; B's operations are gone from the index.
    expect([...one.spoke("swap")!.operations.keys()].sort()).toEqual(namesA);
    expect(one.operation("swap.b.five")).toBeUndefined();
    expect(one.operation("swap.a.one")?.localName).toBe("a.one");
    expect((await rowsOf("swap")).ops).toHaveLength(3);
  });

  test("a schema that does not compile is refused and leaves the old set untouched", async () => {
    await one.register(registration("keep", [op("x.read")]));
    const before = await rowsOf("keep");
    const changes: string[] = [];
    const off = one.onChange((name) => changes.push(name));
    const error = await one
      .register(
        registration("keep", [
          op("y.ok"),
          op("y.bad", { inputSchema: { type: "object", properties: { n: { type: "numbr" } } } }),
        ]),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    off();
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe("VALIDATION_ERROR");
    expect((error as HubError).message).toContain('operation "y.bad": inputSchema does not compile');
    expect(changes).toEqual([]);
    expect(await rowsOf("keep")).toEqual(before);
    expect([...one.spoke("keep")!.operations.keys()]).toEqual(["x.read"]);
    expect(one.operation("keep.y.ok")).toBeUndefined();
  });

  test("markOffline acts only for the connection that holds the name", async () => {
    const first = registration("flaky", [op("do.it")]);
    await one.register(first);
    const changes: string[] = [];
    const off = one.onChange((name) => changes.push(name));

    await one.markOffline("flaky", "someone-else");
    expect(one.spoke("flaky")!.live).toBe(true);
    expect((await rowsOf("flaky")).spoke!.status).toBe("online");

    await one.markOffline("flaky", first.connectionId);
    const { spoke: row } = await rowsOf("flaky");
    expect(row!.status).toBe("offline");
    expect(row!.disconnectedAt).toBeInstanceOf(Date);
    const spoke = one.spoke("flaky")!;
    expect(spoke.live).toBe(false);
    expect(spoke.disconnectedAt).toEqual(row!.disconnectedAt!);
    expect(one.operation("flaky.do.it")).toBeDefined();
    expect(changes).toEqual(["flaky"]);

    // A new connection takes the name; the old one's late close changes nothing.
    const takeover = registration("flaky", [op("do.it")]);
    await one.register(takeover);
    await one.markOffline("flaky", first.connectionId);
    expect(one.spoke("flaky")!.live).toBe(true);
    expect((await rowsOf("flaky")).spoke!.status).toBe("online");
    off();
  });

  test("a second instance sees registrations, set changes and disconnects after catalog.changed", async () => {
    const heard: string[] = [];
    const off = two.onChange((name) => heard.push(name));
    const reg = registration("remote", [op("gpu.infer", { tags: ["ml"] })], { kind: "compute" });
    await one.register(reg);
    await eventually(() =>
      expect(two.operation("remote.gpu.infer")?.checkInput({ path: 1 })).toBe("input/path: must be string"),
    );
    expect(two.spoke("remote")).toMatchObject({
      live: true,
      kind: "compute",
      instanceId: "instance-one",
      connectionId: reg.connectionId,
    });
    expect(two.list(admin, { namespace: "remote" }).operations.map((o) => o.name)).toEqual([
      "remote.gpu.infer",
    ]);

    await one.register({ ...reg, operations: [op("gpu.train")] });
    await eventually(() => expect(two.operation("remote.gpu.train")).toBeDefined());
    expect(two.operation("remote.gpu.infer")).toBeUndefined();

    await one.markOffline("remote", reg.connectionId);
    await eventually(() => expect(two.spoke("remote")?.live).toBe(false));
    // Reloads for earlier tests' spokes may still land here; count this spoke's.
    expect(heard.filter((name) => name === "remote")).toEqual(["remote", "remote", "remote"]);
    off();
  });

  test("a status-only change (offline, same-set re-registration) keeps the other instance's compiled operations", async () => {
    const reg = registration("steady", [op("gpu.infer")]);
    await one.register(reg);
    await eventually(() => expect(two.spoke("steady")?.live).toBe(true));
    const compiled = two.spoke("steady")!.operations;
    await one.markOffline("steady", reg.connectionId);
    await eventually(() => expect(two.spoke("steady")?.live).toBe(false));
    // Only the row was re-read: the very same operation map (nothing recompiled, nothing rebuilt).
    expect(two.spoke("steady")!.operations).toBe(compiled);
    await one.register({ ...reg, connectionId: crypto.randomUUID() });
    await eventually(() => expect(two.spoke("steady")?.live).toBe(true));
    expect(two.spoke("steady")!.operations).toBe(compiled);
  });

  test("a listener that throws is logged and does not stop the others", async () => {
    const heard: string[] = [];
    const offA = one.onChange(() => {
      throw new Error("listener broke");
    });
    const offB = one.onChange((name) => heard.push(name));
    await one.register(registration("loud", [op("x.y")]));
    expect(heard).toEqual(["loud"]);
    offA();
    offB();
  });

  test("touch writes heartbeats in a later batch, not per ping", async () => {
    const reg = registration("beat", [op("x.y")]);
    await one.register(reg);
    const registeredAt = (await rowsOf("beat")).spoke!.lastHeartbeatAt!;
    for (let i = 0; i < 100; i++) one.touch("beat");
    await eventually(async () => {
      const at = (await rowsOf("beat")).spoke!.lastHeartbeatAt!;
      expect(at.getTime()).toBeGreaterThan(registeredAt.getTime());
    });
  });

  test("start() in a cluster shows the spokes other instances hold (rows online) as live", async () => {
    const view = new Catalog({ store: second, bus, log: silentLogger, instanceId: "instance-four" });
    await view.start();
    try {
      const online = (await second.db.select().from(spokes)).filter((row) => row.status === "online");
      expect(online.length).toBeGreaterThan(0);
      expect(view.liveSpokeCount).toBe(online.length);
      expect(
        view
          .liveRemoteSpokes()
          .map((s) => s.name)
          .sort(),
      ).toEqual(online.map((row) => row.name).sort());
    } finally {
      await view.stop();
    }
  });

  test("start() of a sole instance loads every stored spoke offline, resetting rows a crash left online", async () => {
    const fresh = new Catalog({ store: second, bus, log: silentLogger, instanceId: "instance-three" });
    await fresh.start({ soleInstance: true });
    expect((await second.db.select().from(spokes)).every((row) => row.status === "offline")).toBe(true);
    try {
      expect(fresh.liveSpokeCount).toBe(0);
      expect(fresh.spoke("dev1")).toMatchObject({
        live: false,
        kind: "dev-env",
        visibility: "owner",
        maxConcurrency: 4,
      });
      expect(fresh.spoke("swap")!.operations.size).toBe(3);
      const read = fresh.operation("dev1.fs.readFile")!;
      expect(read.spec).toMatchObject({ name: "fs.readFile", title: "Read", tags: ["files"] });
      expect(read.checkInput({ path: "/x", limit: 0 })).toBe("input/limit: must be >= 1");
      expect(fresh.operationCount).toBe(one.operationCount);
      expect(fresh.schema(admin, "dev1.fs.readFile")).toMatchObject({
        name: "dev1.fs.readFile",
        spoke: { name: "dev1", live: false },
      });
      expect(fresh.spokes(admin).map((s) => s.name)).toEqual([
        "beat",
        "dev1",
        "flaky",
        "keep",
        "loud",
        "remote",
        "steady",
        "swap",
      ]);
    } finally {
      await fresh.stop();
    }
  });
}

describeWithServices("catalog store: postgres", () => {
  let database: TestDatabase;
  catalogSuite("postgres", () => ({
    async open() {
      database = await createTestDatabase();
      const options = {
        postgres: { url: database.url },
        embedded: { dataDir: "/nonexistent" },
        log: silentLogger,
      };
      const store = await openStore(options);
      const second = await openStore(options);
      return {
        store,
        second,
        async close() {
          await second.close();
          await store.close();
        },
      };
    },
  }));
  afterAll(async () => {
    await database?.drop();
  });
});

describe("catalog store: embedded", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "alkhub-catalog-"));
  catalogSuite("embedded", () => ({
    async open() {
      // One PGlite per data dir (it is locked): both "instances" share it.
      const store = await openStore({ embedded: { dataDir }, log: silentLogger, command: "alkhub test" });
      return { store, second: store, close: () => store.close() };
    },
  }));
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });
});
