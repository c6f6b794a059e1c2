// alkhub-test: once
/**
 * Disabling and enabling a key through the admin API of one compiled hub reaches the others (Postgres NOTIFY
 * and the bus): a key disabled on B loses its /ws connection and its HTTP access on A at once; enabled again
 * on B, it is accepted on A again — no instance keeps the cut for the ten minutes it remembers revocations.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { api } from "../support/api-client.ts";
import { startCluster, type TestCluster } from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { makeKey } from "../support/mcp-client.ts";
import { describeWithServices } from "../support/services.ts";
import { WsTestClient } from "../support/ws-client.ts";

describeWithServices("cluster: key disabled and enabled through the admin API", () => {
  let cluster: TestCluster;
  const clients: WsTestClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ size: 2 });
  }, 90_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    await cluster?.stop();
  }, 60_000);

  test("disable on B cuts the key on A; enable on B lets it back in on A", async () => {
    const admin = await makeKey(cluster, { scopes: ["admin"] });
    const user = await makeKey(cluster, { scopes: ["call", "read"] });
    const a = cluster.get("A");
    const b = cluster.get("B");
    const onA = await WsTestClient.connect(a.wsUrl, { token: user.key });
    clients.push(onA);
    expect((await onA.call("hub.list", {})).type).toBe("call.responded");
    expect((await api(a.url, "GET", "/spokes", { key: user.key })).status).toBe(200);

    const disabled = await api(b.url, "PATCH", `/keys/${user.id}`, {
      key: admin.key,
      body: { enabled: false },
    });
    expect(disabled.body.status).toBe("disabled");
    expect((await onA.waitClosed(10_000)).code).toBe(4401);
    expect((await api(a.url, "GET", "/spokes", { key: user.key })).status).toBe(401);

    const enabled = await api(b.url, "PATCH", `/keys/${user.id}`, {
      key: admin.key,
      body: { enabled: true },
    });
    expect(enabled.body.status).toBe("active");
    await eventually(async () => (await api(a.url, "GET", "/spokes", { key: user.key })).status === 200, {
      what: "A accepts the key enabled on B",
    });
    const again = await WsTestClient.connect(a.wsUrl, { token: user.key });
    clients.push(again);
    expect((await again.call("hub.list", {})).type).toBe("call.responded");
  }, 60_000);
});
