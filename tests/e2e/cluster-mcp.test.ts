// alkhub-test: once
/**
 * /mcp across three compiled hubs (MCP.md › Transport, ARCHITECTURE.md › Many instances): /mcp on A serves
 * hub.call to a spoke held by B; the MCP SDK's Client, over StreamableHTTPClientTransport with a fetch that
 * alternates its requests between A and C, keeps working without sticky sessions; and a
 * notifications/cancelled sent to C aborts a call that runs on A (its spoke on B sees the abort).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { Type } from "@sinclair/typebox";
import type { AnyOperationDef, Spoke } from "../../src/sdk/index.ts";
import { startCluster, type TestCluster, waitListedEverywhere } from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import {
  connectMcp,
  latch,
  type McpConnection,
  type McpTestKey,
  makeKey,
  postMcp,
  startSpoke,
} from "../support/mcp-client.ts";
import { describeWithServices } from "../support/services.ts";

describeWithServices("cluster: /mcp on any instance, spokes on another", () => {
  let cluster: TestCluster;
  let key: McpTestKey;
  let svcb: Spoke;
  const clients: McpConnection[] = [];
  const started = new Set<string>();
  const aborted = new Set<string>();
  const release = latch();

  beforeAll(async () => {
    cluster = await startCluster();
    const spokeKey = await makeKey(cluster, { scopes: ["spoke"], spokeNames: ["svc*"] });
    key = await makeKey(cluster, { scopes: ["call", "read"] });
    const operations: Record<string, AnyOperationDef> = {
      "text.echo": {
        type: "query",
        description: "Echoes",
        input: Type.Object({ text: Type.String() }),
        handler: ({ text }: { text: string }) => ({ text }),
      },
      "job.wait": {
        type: "mutation",
        description: "Waits for the test or an abort",
        input: Type.Object({ tag: Type.String() }),
        handler: async ({ tag }: { tag: string }, ctx) => {
          started.add(tag);
          await Promise.race([
            release.wait,
            new Promise<void>((resolve) =>
              ctx.signal.addEventListener("abort", () => {
                aborted.add(tag);
                resolve();
              }),
            ),
          ]);
          return { tag };
        },
      },
    };
    svcb = await startSpoke(cluster.get("B").url, spokeKey.key, { name: "svcb", operations });
    // Every instance learns of svcb through the catalog event of its registration.
    await waitListedEverywhere(cluster, key.key, "svcb", 2);
  }, 60_000);

  afterAll(async () => {
    release.release();
    for (const client of clients) await client.close().catch(() => {});
    await svcb?.close();
    await cluster?.stop();
  });

  const echo = (connection: McpConnection, text: string) =>
    connection.client.callTool({
      name: "hub.call",
      arguments: { operation: "svcb.text.echo", input: { text } },
    });

  test("/mcp on A serves hub.call to the spoke on B", async () => {
    const onA = await connectMcp(cluster.get("A").url, key.key);
    clients.push(onA);
    const result = await eventually(
      async () => {
        const out = await echo(onA, "hello");
        if (out.isError) throw new Error(JSON.stringify(out.content));
        return out;
      },
      { what: "A reaches svcb" },
    );
    expect(result.structuredContent).toEqual({ text: "hello" });
    const listed = await onA.client.callTool({ name: "hub.list", arguments: { namespace: "svcb" } });
    const operations = (
      listed.structuredContent as { operations: Array<{ name: string; spoke: { live: boolean } }> }
    ).operations;
    expect(operations.map((op) => [op.name, op.spoke.live])).toEqual([
      ["svcb.job.wait", true],
      ["svcb.text.echo", true],
    ]);
  });

  test("an MCP client whose requests alternate between A and C keeps working (no sticky sessions)", async () => {
    const seen: string[] = [];
    let turn = 0;
    const instances = [cluster.get("A").url, cluster.get("C").url];
    const alternate: FetchLike = (url, init) => {
      const base = instances[turn++ % 2]!;
      seen.push(`${init?.method ?? "GET"} ${base}`);
      const target = new URL(url);
      return fetch(new URL(`${target.pathname}${target.search}`, base), init);
    };
    const connection = await connectMcp(cluster.get("A").url, key.key, { fetch: alternate });
    clients.push(connection);
    await connection.streamOpen;
    for (let round = 0; round < 8; round++) {
      const result = await echo(connection, `round ${round}`);
      expect(result.structuredContent).toEqual({ text: `round ${round}` });
      expect(await connection.client.ping()).toEqual({});
    }
    expect((await connection.client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
      "hub.call",
      "hub.list",
      "hub.schema",
      "hub.search",
    ]);
    for (const base of instances) expect(seen).toContain(`POST ${base}`);
  });

  test("a notifications/cancelled sent to C aborts the call running on A at the spoke on B", async () => {
    const onA = await connectMcp(cluster.get("A").url, key.key);
    clients.push(onA);
    const headers = { authorization: `Bearer ${key.key}`, "mcp-session-id": onA.sessionId! };
    const call = postMcp(
      `${cluster.get("A").url}/mcp`,
      {
        jsonrpc: "2.0",
        id: "far-1",
        method: "tools/call",
        params: { name: "hub.call", arguments: { operation: "svcb.job.wait", input: { tag: "far" } } },
      },
      headers,
    );
    await eventually(() => started.has("far"), { what: "the call started on B's spoke" });
    const cancelledAt = Date.now();
    const cancel = await postMcp(
      `${cluster.get("C").url}/mcp`,
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "far-1", reason: "test" } },
      headers,
    );
    expect(cancel.status).toBe(202);
    await eventually(() => aborted.has("far"), { what: "the spoke on B saw the abort" });
    console.log(`MCP cancel on C: the spoke on B saw the abort ${Date.now() - cancelledAt} ms later`);
    expect(await (await call).text()).toContain("ABORTED");
  });
});
