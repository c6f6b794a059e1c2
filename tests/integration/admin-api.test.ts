/**
 * The admin API of issue #16 over real HTTP, in both modes (Postgres + Redis, and embedded): every route with an
 * admin key, refused without a key (401) and with a key lacking scope admin (403); validation errors naming the
 * field; cursor pages; keys disabled, enabled and revoked with their live sessions cut; accounts, clients and
 * secrets — whose values never come back, nor reach a log line; every write in audit_logs with its actor.
 * Every 2xx answer is checked against its route's response schema (tests/support/api-client.ts).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { getClientSecret, keyRingFromConfig } from "../../src/secrets/index.ts";
import { auditLogs } from "../../src/store/index.ts";
import { allPages, api, expectRefusal, routeTableForTests } from "../support/api-client.ts";
import { eventually } from "../support/eventually.ts";
import { useHubSuite } from "../support/hub-suite.ts";
import { TEST_MODE } from "../support/services.ts";
import { makeKey, type TestKey } from "../support/spoke-kit.ts";

describe(`admin API (${TEST_MODE})`, () => {
  // Info level: admin writes are logged at info, and the test reads those lines. Every route is tried with a
  // wrong key from this one address: more than the default 30 failures a minute, whose limit is not tested here.
  const suite = useHubSuite({
    extra: {
      logging: { level: "info" },
      limits: { authFailures: { perAddressPerMinute: 10_000, perKeyIdPerMinute: 10_000 } },
    },
  });
  let url: string;
  let admin: TestKey;
  let reader: TestKey;
  const call = (method: string, path: string, body?: unknown, key = admin.key) =>
    api(url, method, path, { key, body });

  beforeAll(async () => {
    url = suite.testHub.url;
    admin = await makeKey(suite.hub, { scopes: ["admin"], account: "ops" });
    reader = await makeKey(suite.hub, { scopes: ["read", "call"], account: "ops" });
  });

  test("every route: no key is 401; a key without scope admin is 403 on admin routes", async () => {
    const sample: Record<string, string> = {
      id: "abcdefabcdef",
      account: "acme",
      client: "github",
      name: "token",
    };
    for (const route of routeTableForTests()) {
      const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => sample[name] ?? "x");
      const body = route.body ? {} : undefined;
      const anonymous = await api(url, route.method, path, { body });
      if (route.scope === "public") {
        expect({ route: route.path, status: anonymous.status }).toEqual({ route: route.path, status: 200 });
        continue;
      }
      expect({ route: route.path, status: anonymous.status }).toEqual({ route: route.path, status: 401 });
      expect(anonymous.body.code).toBe("ACCESS_DENIED");
      expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
      const bad = await api(url, route.method, path, { body, key: "alk_abcdefabcdef_x" });
      expect(bad.status).toBe(401);
      if (route.scope !== "admin") continue;
      const denied = await api(url, route.method, path, { body, key: reader.key });
      expectRefusal(
        denied,
        403,
        "ACCESS_DENIED",
        `${route.method} /api/v1${route.path} needs a key with scope admin`,
      );
    }
  }, 60_000);

  describe("keys", () => {
    test("create shows the key once; it works; show and list never carry it again", async () => {
      const created = await call("POST", "/keys", {
        name: "ci deploy",
        scopes: ["call", "read"],
        account: "keys-a",
        operations: ["deploy.*"],
        expiresAt: "2099-01-31T12:00:00Z",
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        account: "keys-a",
        name: "ci deploy",
        scopes: ["call", "read"],
        spokeNames: [],
        operations: ["deploy.*"],
        status: "active",
        enabled: true,
        expiresAt: "2099-01-31T12:00:00.000Z",
        lastUsedAt: null,
        revokedAt: null,
      });
      expect(created.body.key).toStartWith(`alk_${created.body.id}_`);
      expect((await api(url, "GET", "/spokes", { key: created.body.key })).status).toBe(200);

      const shown = await call("GET", `/keys/${created.body.id}`);
      expect(shown.status).toBe(200);
      expect(shown.body.id).toBe(created.body.id);
      expect(shown.body.key).toBeUndefined();
      expect(shown.text).not.toContain(created.body.key);
      const listed = await call("GET", "/keys?account=keys-a");
      expect(listed.body.items.map((k: { id: string }) => k.id)).toEqual([created.body.id]);
      expect(listed.text).not.toContain(created.body.key);
      expect(listed.body.nextCursor).toBeNull();
    });

    test("lists page newest first across pages, with account and status filters", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const created = await call("POST", "/keys", {
          name: `paged ${i}`,
          scopes: ["read"],
          account: "keys-paged",
        });
        ids.push(created.body.id);
      }
      const { items, pages } = await allPages(url, admin.key, "/keys?account=keys-paged", 3);
      expect(pages).toEqual([3, 3, 1]);
      expect(items.map((k: { id: string }) => k.id)).toEqual([...ids].reverse());
      expect(items.every((k: { account: string }) => k.account === "keys-paged")).toBe(true);

      const disabled = ids[2] as string;
      expect((await call("PATCH", `/keys/${disabled}`, { enabled: false })).body.status).toBe("disabled");
      const revoked = ids[4] as string;
      expect((await call("DELETE", `/keys/${revoked}`)).body.status).toBe("revoked");
      const expired = ids[5] as string;
      expect(
        (await call("PATCH", `/keys/${expired}`, { expiresAt: "2020-01-01T00:00:00Z" })).body.status,
      ).toBe("expired");
      const by = async (status: string) =>
        (await allPages(url, admin.key, `/keys?account=keys-paged&status=${status}`, 2)).items.map(
          (k: { id: string }) => k.id,
        );
      expect(await by("disabled")).toEqual([disabled]);
      expect(await by("revoked")).toEqual([revoked]);
      expect(await by("expired")).toEqual([expired]);
      expect((await by("active")).sort()).toEqual(
        ids.filter((id) => ![disabled, revoked, expired].includes(id)).sort(),
      );
      expect((await call("GET", "/keys?account=no-such-account")).body).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    test("PATCH changes name and expiry; disabling cuts live sessions, enabling lets the key back in", async () => {
      const created = await call("POST", "/keys", {
        name: "toggled",
        scopes: ["call", "read"],
        account: "keys-b",
      });
      const { id, key } = created.body as { id: string; key: string };
      const renamed = await call("PATCH", `/keys/${id}`, {
        name: "renamed",
        expiresAt: "2098-01-01T00:00:00Z",
      });
      expect(renamed.body).toMatchObject({
        name: "renamed",
        expiresAt: "2098-01-01T00:00:00.000Z",
        status: "active",
      });
      expect((await call("PATCH", `/keys/${id}`, { expiresAt: null })).body.expiresAt).toBeNull();

      const client = await suite.connect(key);
      expect((await client.call("hub.list", {})).type).toBe("call.responded");
      const disabled = await call("PATCH", `/keys/${id}`, { enabled: false });
      expect(disabled.body).toMatchObject({ enabled: false, status: "disabled" });
      expect((await client.waitClosed()).code).toBe(4401);
      expectRefusal(await api(url, "GET", "/spokes", { key }), 401, "ACCESS_DENIED", "disabled");

      expect((await call("PATCH", `/keys/${id}`, { enabled: true })).body.status).toBe("active");
      // Every instance forgets the cut (in services mode it travels through NOTIFY and Redis as well).
      await eventually(async () => (await api(url, "GET", "/spokes", { key })).status === 200, {
        what: "the enabled key is accepted again",
      });
      const again = await suite.connect(key);
      expect((await again.call("hub.list", {})).type).toBe("call.responded");

      // An expiry in the past cuts like a disable does.
      await call("PATCH", `/keys/${id}`, { expiresAt: "2021-01-01T00:00:00Z" });
      expect((await again.waitClosed()).code).toBe(4401);
    });

    test("DELETE revokes for good, cuts sessions, and is idempotent; unknown ids are 404", async () => {
      const { id, key } = (
        await call("POST", "/keys", { name: "doomed", scopes: ["call"], account: "keys-c" })
      ).body;
      const client = await suite.connect(key);
      const revoked = await call("DELETE", `/keys/${id}`);
      expect(revoked.body).toMatchObject({ id, status: "revoked" });
      expect(revoked.body.revokedAt).not.toBeNull();
      expect((await client.waitClosed()).code).toBe(4401);
      expect((await api(url, "GET", "/spokes", { key })).status).toBe(401);
      const twice = await call("DELETE", `/keys/${id}`);
      expect(twice.status).toBe(200);
      expect(twice.body.revokedAt).toBe(revoked.body.revokedAt);
      expectRefusal(
        await call("PATCH", `/keys/${id}`, { enabled: true }),
        400,
        "VALIDATION_ERROR",
        "is revoked",
      );
      expectRefusal(await call("DELETE", "/keys/abcdefabcdef"), 404, "OPERATION_NOT_FOUND", "abcdefabcdef");
      expectRefusal(await call("GET", "/keys/abcdefabcdef"), 404, "OPERATION_NOT_FOUND");
      expectRefusal(await call("PATCH", "/keys/abcdefabcdef", { name: "x" }), 404, "OPERATION_NOT_FOUND");
    });

    test("validation errors name the field", async () => {
      const cases: [string, string, unknown, string][] = [
        ["POST", "/keys", { name: "x", scopes: ["root"] }, "body.scopes[0] must be one of"],
        ["POST", "/keys", { scopes: ["read"] }, "body.name is required"],
        ["POST", "/keys", { name: "x", scopes: [] }, "body.scopes:"],
        ["POST", "/keys", { name: "x", scopes: ["read"], extra: 1 }, "body.extra"],
        ["POST", "/keys", { name: "x", scopes: ["read"], expiresAt: "tomorrow" }, "body.expiresAt:"],
        [
          "POST",
          "/keys",
          { name: "x", scopes: ["read"], expiresAt: "2001-01-01T00:00:00Z" },
          "body.expiresAt: lies in the past",
        ],
        ["POST", "/keys", { name: "x", scopes: ["read"], operations: ["a b"] }, "body.operations[0]:"],
        ["PATCH", "/keys/abcdefabcdef", { enabled: "no" }, "body.enabled:"],
        ["PATCH", "/keys/abc", { name: "x" }, "params.id:"],
        ["PATCH", "/keys/abcdefabcdef", {}, "body:"],
        ["GET", "/keys?limit=0", undefined, "query.limit:"],
        ["GET", "/keys?limit=501", undefined, "query.limit:"],
        ["GET", "/keys?limit=ten", undefined, "query.limit:"],
        ["GET", "/keys?status=sleeping", undefined, "query.status must be one of"],
        ["GET", "/keys?colour=red", undefined, "query.colour"],
        ["GET", "/keys?cursor=bm90LWEtY3Vyc29y", undefined, "query.cursor: not a cursor from this list"],
        ["GET", "/accounts/x?y=1", undefined, "query.y: this route takes no query parameters"],
        ["GET", "/operations?q=add&limit=51", undefined, "query.limit: at most 50 with q"],
        ["GET", "/operations?q=add&cursor=abc", undefined, "query.cursor:"],
        ["GET", "/operations?limit=0", undefined, "query.limit:"],
        ["POST", "/operations/x.y/call?timeoutMs=-1", {}, "query.timeoutMs:"],
      ];
      for (const [method, path, body, message] of cases) {
        const answer = await call(method, path, body);
        expect({ method, path, status: answer.status, code: answer.body?.code }).toEqual({
          method,
          path,
          status: 400,
          code: "VALIDATION_ERROR",
        });
        expect(answer.body.message).toContain(message);
      }
      const notJson = await api(url, "POST", "/keys", { key: admin.key, rawBody: "{nope" });
      expectRefusal(notJson, 400, "VALIDATION_ERROR", "not valid JSON");
      const deep = await api(url, "POST", "/keys", {
        key: admin.key,
        rawBody: `${"[".repeat(5000)}${"]".repeat(5000)}`,
      });
      expectRefusal(deep, 400, "VALIDATION_ERROR", "nests deeper");
    });
  });

  describe("accounts", () => {
    test("create, refuse a duplicate, show by id or name, list in pages", async () => {
      const names = ["acc-1", "acc-2", "acc-3", "acc-4"];
      const created: { id: string; name: string }[] = [];
      for (const name of names) {
        const answer = await call("POST", "/accounts", { name });
        expect(answer.status).toBe(201);
        expect(answer.body).toMatchObject({ name, keys: 0 });
        created.push(answer.body);
      }
      expectRefusal(await call("POST", "/accounts", { name: "acc-1" }), 409, "NAME_TAKEN", "acc-1");
      expectRefusal(await call("POST", "/accounts", { name: "  " }), 400, "VALIDATION_ERROR", "body.name:");
      expectRefusal(await call("POST", "/accounts", {}), 400, "VALIDATION_ERROR", "body.name is required");

      const first = created[0] as { id: string; name: string };
      expect((await call("GET", `/accounts/${first.id}`)).body).toMatchObject(first);
      expect((await call("GET", "/accounts/acc-1")).body.id).toBe(first.id);
      expectRefusal(await call("GET", "/accounts/nobody-here"), 404, "OPERATION_NOT_FOUND");

      await call("POST", "/keys", { name: "k", scopes: ["read"], account: "acc-2" });
      const revoked = await call("POST", "/keys", { name: "gone", scopes: ["read"], account: "acc-2" });
      await call("DELETE", `/keys/${revoked.body.id}`);
      expect((await call("GET", "/accounts/acc-2")).body.keys).toBe(1);

      const { items, pages } = await allPages(url, admin.key, "/accounts", 2);
      expect(pages.slice(0, -1).every((n) => n === 2)).toBe(true);
      const listed = items.map((a: { name: string }) => a.name);
      expect(new Set(listed).size).toBe(listed.length);
      // Newest first: the four made here, in reverse, ahead of the accounts made before them.
      const mine = listed.filter((name: string) => names.includes(name));
      expect(mine).toEqual([...names].reverse());
      expect(listed.indexOf("ops")).toBeGreaterThan(listed.indexOf("acc-1"));
    });
  });

  describe("clients and secrets", () => {
    const secretValue = `sv-${crypto.randomUUID()}`;

    test("clients: create (account too), refuse duplicates, list by account in pages, delete with secrets", async () => {
      const made: string[] = [];
      for (const name of ["alpha", "beta", "gamma"]) {
        const answer = await call("POST", "/clients", {
          account: "cl-acct",
          name,
          description: `the ${name} api`,
        });
        expect(answer.status).toBe(201);
        expect(answer.body).toMatchObject({
          account: "cl-acct",
          name,
          description: `the ${name} api`,
          secrets: 0,
        });
        made.push(answer.body.id);
      }
      expect((await call("GET", "/accounts/cl-acct")).status).toBe(200);
      expectRefusal(await call("POST", "/clients", { account: "cl-acct", name: "beta" }), 409, "NAME_TAKEN");
      expectRefusal(
        await call("POST", "/clients", { account: "cl-acct", name: "no spaces" }),
        400,
        "VALIDATION_ERROR",
        "body.name:",
      );
      expectRefusal(
        await call("POST", "/clients", { name: "x" }),
        400,
        "VALIDATION_ERROR",
        "body.account is required",
      );

      const { items, pages } = await allPages(url, admin.key, "/clients?account=cl-acct", 2);
      expect(pages).toEqual([2, 1]);
      expect(items.map((c: { id: string }) => c.id)).toEqual([...made].reverse());
      expect(items[2].description).toBe("the alpha api");

      await call("PUT", "/secrets/cl-acct/alpha/token", { value: secretValue });
      await call("PUT", "/secrets/cl-acct/alpha/hook", { value: secretValue });
      const alpha = (await call("GET", "/clients?account=cl-acct")).body.items.find(
        (c: { name: string }) => c.name === "alpha",
      );
      expect(alpha.secrets).toBe(2);
      const deleted = await call("DELETE", `/clients/${made[0]}`);
      expect(deleted.body).toMatchObject({ id: made[0], name: "alpha", secrets: 2 });
      expect((await call("GET", "/secrets?account=cl-acct&client=alpha")).body.items).toEqual([]);
      expectRefusal(await call("DELETE", `/clients/${made[0]}`), 404, "OPERATION_NOT_FOUND");
    });

    test("secrets: set (creating account and client), list in pages, replace, delete, rotate — never a value", async () => {
      const names = ["s1", "s2", "s3", "s4", "s5"];
      for (const name of names) {
        const answer = await call("PUT", `/secrets/sec%20acct/github/${name}`, {
          value: `${secretValue}-${name}`,
        });
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({
          account: "sec acct",
          client: "github",
          name,
          version: 1,
          lastUsedAt: null,
        });
        expect(answer.body.value).toBeUndefined();
        expect(answer.text).not.toContain(secretValue);
      }
      const { items, pages } = await allPages(url, admin.key, "/secrets?account=sec%20acct", 2);
      expect(pages).toEqual([2, 2, 1]);
      expect(items.map((s: { name: string }) => s.name)).toEqual(names);
      expect(JSON.stringify(items)).not.toContain(secretValue);
      expect(
        (await call("GET", "/secrets?client=github&account=sec%20acct&limit=1")).body.items,
      ).toHaveLength(1);

      const replaced = await call("PUT", "/secrets/sec%20acct/github/s1", { value: `${secretValue}-new` });
      expect(replaced.body.createdAt).toBe(items[0].createdAt);
      expect(replaced.text).not.toContain(secretValue);

      expectRefusal(
        await call("PUT", "/secrets/sec%20acct/git%20hub/s1", { value: "v" }),
        400,
        "VALIDATION_ERROR",
        "params.client:",
      );
      expectRefusal(
        await call("PUT", "/secrets/sec%20acct/github/.hidden", { value: "v" }),
        400,
        "VALIDATION_ERROR",
        "params.name:",
      );
      expectRefusal(
        await call("PUT", "/secrets/sec%20acct/github/s1", { value: "" }),
        400,
        "VALIDATION_ERROR",
        "body.value:",
      );
      expectRefusal(
        await call("PUT", "/secrets/sec%20acct/github/s1", {}),
        400,
        "VALIDATION_ERROR",
        "body.value is required",
      );
      const big = "Q".repeat(70_000);
      const tooBig = await call("PUT", "/secrets/sec%20acct/github/s1", { value: big });
      expectRefusal(tooBig, 400, "VALIDATION_ERROR", "body.value:");
      expect(tooBig.text).not.toContain("QQQQ");

      // The hub opening a secret (an upstream dial) is what lastUsedAt shows; the value's updatedAt stays.
      const ring = keyRingFromConfig(suite.hub.config.encryptionKeys);
      const address = { account: "sec acct", client: "github", name: "s2" };
      expect(await getClientSecret(suite.hub.store, ring, address)).toBe(`${secretValue}-s2`);
      const used = (await call("GET", "/secrets?account=sec%20acct")).body.items.find(
        (item: { name: string }) => item.name === "s2",
      );
      expect(used.lastUsedAt).not.toBeNull();
      expect(used.updatedAt).toBe(items[1].updatedAt);

      const deleted = await call("DELETE", "/secrets/sec%20acct/github/s5");
      expect(deleted.body).toMatchObject({ account: "sec acct", client: "github", name: "s5" });
      expectRefusal(await call("DELETE", "/secrets/sec%20acct/github/s5"), 404, "OPERATION_NOT_FOUND");

      const rotated = await call("POST", "/secrets/rotate", {});
      expect(rotated.body).toMatchObject({ rotated: 0, skipped: 0, missingKey: [], unreadable: [] });
      expect(rotated.body.alreadyCurrent).toBeGreaterThanOrEqual(4);
      expectRefusal(
        await call("POST", "/secrets/rotate", { batchSize: 0 }),
        400,
        "VALIDATION_ERROR",
        "body.batchSize:",
      );

      // The value reached neither a log line nor an audit row.
      expect(suite.testHub.logs.some((line) => line.includes(secretValue))).toBe(false);
      const audit = await suite.hub.store.db.select().from(auditLogs);
      expect(JSON.stringify(audit)).not.toContain(secretValue);
    });
  });

  test("every admin write is in audit_logs with the acting key, and logged with it", async () => {
    const rows = await suite.hub.store.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.actorKeyId, admin.id)));
    const actions = new Set(rows.map((row) => row.action));
    for (const action of [
      "key.create",
      "key.update",
      "key.revoke",
      "account.create",
      "client.create",
      "client.delete",
      "secret.set",
      "secret.delete",
      "secret.rotate",
    ]) {
      expect({ action, audited: actions.has(action) }).toEqual({ action, audited: true });
    }
    expect(rows.every((row) => row.address !== null)).toBe(true);
    const logged = suite.testHub.logs.filter((line) => line.includes('"admin: ') && line.includes(admin.id));
    for (const action of [
      "key.create",
      "key.update",
      "key.revoke",
      "account.create",
      "client.delete",
      "secret.set",
      "secret.rotate",
    ]) {
      expect({ action, logged: logged.some((line) => line.includes(`admin: ${action}`)) }).toEqual({
        action,
        logged: true,
      });
    }
  });
});
