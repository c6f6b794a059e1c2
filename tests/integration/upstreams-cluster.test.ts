// alkhub-test: once
/**
 * Upstreams in a cluster: two in-process hubs from the same files (Postgres database, Redis, master key) both
 * configured with one upstream; exactly one holds it (the presence claim of its in-process spoke), calls through
 * either instance reach it, and when the holder stops the other takes it over. Needs the real services (two hubs
 * cannot share an embedded data dir), so it runs in the services pass only.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eventually } from "../support/eventually.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { connectMcp, type McpConnection, type McpTestKey, makeKey } from "../support/mcp-client.ts";
import { type HttpEverything, startHttpEverything } from "../support/mcp-servers.ts";
import { describeWithServices } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

describeWithServices("an upstream held by exactly one instance of a cluster", () => {
  let files: HubFiles;
  let everything: HttpEverything;
  const hubs: TestHub[] = [];
  let key: McpTestKey;
  const clients: McpConnection[] = [];

  const holders = () =>
    hubs.filter((hub) => hub.hub.subsystems.upstreams.list().some((u) => u.state === "holding"));

  async function echoThrough(hub: TestHub, message: string) {
    const connection = await connectMcp(hub.url, key.key);
    clients.push(connection);
    return connection.client.callTool({
      name: "hub.call",
      arguments: { operation: "shared.echo", input: { message } },
    });
  }

  beforeAll(async () => {
    everything = await startHttpEverything();
    files = await writeHubFiles({
      mode: "services",
      extra: { limits: { heartbeatMs: 500 }, upstreams: [{ name: "shared", url: everything.url }] },
    });
    hubs.push(await startTestHub({ files }), await startTestHub({ files }));
    key = await makeKey(hubs[0]!.hub, { scopes: ["call", "read"] });
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => {});
    for (const hub of hubs) await hub.hub.stop();
    await files?.cleanup();
    await everything?.stop();
  }, 30_000);

  test("one instance holds it, the other stands by, and calls through either reach it", async () => {
    await eventually(
      () =>
        hubs.every((hub) => hub.hub.subsystems.catalog.spoke("shared")?.live === true) &&
        holders().length === 1,
      { timeoutMs: 30_000, what: "one holder, live everywhere" },
    );
    // Several heartbeats later there is still exactly one holder.
    await Bun.sleep(1500);
    expect(holders()).toHaveLength(1);
    const standby = hubs.find((hub) => !holders().includes(hub));
    expect(standby?.hub.subsystems.upstreams.list()[0]?.state).toBe("standby");
    for (const [index, hub] of hubs.entries()) {
      const result = await echoThrough(hub, `through instance ${index}`);
      expect(JSON.stringify(result.content)).toContain(`through instance ${index}`);
    }
  }, 60_000);

  test("when the holder stops, the other instance takes the upstream over", async () => {
    const holder = holders()[0]!;
    const other = hubs.find((hub) => hub !== holder)!;
    await holder.hub.stop();
    hubs.splice(hubs.indexOf(holder), 1);
    await eventually(
      () =>
        other.hub.subsystems.upstreams.list()[0]?.state === "holding" &&
        other.hub.subsystems.catalog.spoke("shared")?.live === true,
      { timeoutMs: 30_000, what: "the other instance holding the upstream" },
    );
    const result = await eventually(
      async () => {
        const answer = await echoThrough(other, "after takeover");
        return answer.isError ? false : answer;
      },
      { timeoutMs: 15_000, what: "a call after the takeover" },
    );
    expect(JSON.stringify(result.content)).toContain("after takeover");
  }, 60_000);
});
