// alkhub-test: once
/**
 * No sticky sessions (MCP.md › Transport): two in-process hubs started from the same files (master key,
 * Postgres database, Redis) accept each other's MCP session ids, a client whose requests alternate between them
 * keeps working, a cancellation sent to the other instance still aborts the call, and a session ended on one
 * instance stays ended on the other. Two hubs cannot share an embedded data dir, so this file always uses the
 * real services and runs in the services pass only.
 *
 * Each instance holds one spoke (`svca` on A, `svcb` on B), so calls run both on the instance a request lands on
 * and relayed to the other one.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { Type } from "@sinclair/typebox";
import type { AnyOperationDef, Spoke } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import {
  connectMcp,
  type Latch,
  latch,
  type McpConnection,
  type McpTestKey,
  makeKey,
  postMcp,
  startSpoke,
} from "../support/mcp-client.ts";
import { describeWithServices } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

describeWithServices("MCP sessions across two hub instances", () => {
  let files: HubFiles;
  let hubA: TestHub;
  let hubB: TestHub;
  const spokes: Spoke[] = [];
  let key: McpTestKey;
  const clients: McpConnection[] = [];
  const started = new Set<string>();
  const aborted = new Set<string>();
  const release: Latch = latch();

  beforeAll(async () => {
    files = await writeHubFiles({ mode: "services" });
    hubA = await startTestHub({ files });
    hubB = await startTestHub({ files });
    const spokeKey = await makeKey(hubA.hub, { scopes: ["spoke"], spokeNames: ["svc*"] });
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
    spokes.push(await startSpoke(hubA.url, spokeKey.key, { name: "svca", operations }));
    spokes.push(await startSpoke(hubB.url, spokeKey.key, { name: "svcb", operations }));
    key = await makeKey(hubA.hub, { scopes: ["call"] });
    // Each instance learns of the other's spoke through the catalog events.
    for (const [hub, name] of [
      [hubA, "svcb"],
      [hubB, "svca"],
    ] as const) {
      await eventually(() => hub.hub.subsystems.catalog.spoke(name)?.live === true, { what: `${name} live` });
    }
  }, 30_000);

  afterAll(async () => {
    release.release();
    for (const client of clients) await client.close().catch(() => {});
    for (const spoke of spokes) await spoke.close();
    await hubB?.stop();
    await hubA?.stop();
    await files?.cleanup();
  });

  async function connect(
    url: string,
    options: Parameters<typeof connectMcp>[2] = {},
  ): Promise<McpConnection> {
    const connection = await connectMcp(url, key.key, options);
    clients.push(connection);
    return connection;
  }

  const echo = (connection: McpConnection, spokeName: string, text: string) =>
    connection.client.callTool({
      name: "hub.call",
      arguments: { operation: `${spokeName}.text.echo`, input: { text } },
    });
  const listed = async (connection: McpConnection) => {
    const result = await connection.client.callTool({ name: "hub.list", arguments: {} });
    return (result.structuredContent as { operations: Array<{ name: string }> }).operations.map(
      (op) => op.name,
    );
  };
  const ALL_OPERATIONS = ["svca.job.wait", "svca.text.echo", "svcb.job.wait", "svcb.text.echo"];

  test("a session id minted by one instance is accepted by the other", async () => {
    const onA = await connect(hubA.url);
    expect((await echo(onA, "svca", "a")).structuredContent).toEqual({ text: "a" });
    // A client resuming the session on B (the SDK skips initialize when it has a session id).
    const onB = await connect(hubB.url, { sessionId: onA.sessionId });
    expect(onB.sessionId).toBe(onA.sessionId);
    expect((await onB.client.listTools()).tools).toHaveLength(4);
    expect(await listed(onB)).toEqual(ALL_OPERATIONS);
    expect((await echo(onB, "svcb", "b")).structuredContent).toEqual({ text: "b" });
    // Another key cannot use it on B either.
    const other = await makeKey(hubA.hub, { scopes: ["call"] });
    const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
    const stolen = await postMcp(`${hubB.url}/mcp`, ping, {
      authorization: `Bearer ${other.key}`,
      "mcp-session-id": onA.sessionId!,
    });
    expect(stolen.status).toBe(404);
  });

  test("an MCP call on one instance reaches a spoke connected to the other, and is cancelled there", async () => {
    const onB = await connect(hubB.url);
    expect((await echo(onB, "svca", "relayed")).structuredContent).toEqual({ text: "relayed" });
    const controller = new AbortController();
    const pending = onB.client
      .callTool(
        { name: "hub.call", arguments: { operation: "svca.job.wait", input: { tag: "relayed-abort" } } },
        undefined,
        { signal: controller.signal },
      )
      .catch((error: unknown) => error);
    await eventually(() => started.has("relayed-abort"), { what: "the relayed call started" });
    controller.abort("stop");
    expect(String(await pending)).toContain("stop");
    await eventually(() => aborted.has("relayed-abort"), { what: "the spoke on A saw the abort" });
  });

  test("a client whose requests alternate between the two instances keeps working", async () => {
    const seen: string[] = [];
    let turn = 0;
    const instances = [hubA.url, hubB.url];
    // Every request goes to the next instance in turn, whatever URL the transport asked for.
    const alternate: FetchLike = (url, init) => {
      const base = instances[turn++ % 2]!;
      seen.push(`${init?.method ?? "GET"} ${base}`);
      const target = new URL(url);
      return fetch(new URL(`${target.pathname}${target.search}`, base), init);
    };
    const connection = await connect(hubA.url, { fetch: alternate });
    for (let round = 0; round < 4; round++) {
      for (const spokeName of ["svca", "svcb"]) {
        const result = await echo(connection, spokeName, `round ${round}`);
        expect(result.structuredContent).toEqual({ text: `round ${round}` });
      }
      expect(await connection.client.ping()).toEqual({});
      expect(await listed(connection)).toEqual(ALL_OPERATIONS);
    }
    expect((await connection.client.listTools()).tools).toHaveLength(4);
    for (const base of instances) expect(seen).toContain(`POST ${base}`);
  });

  test("a notifications/cancelled sent to the other instance aborts the call at the spoke", async () => {
    const onA = await connect(hubA.url);
    const headers = { authorization: `Bearer ${key.key}`, "mcp-session-id": onA.sessionId! };
    const call = postMcp(
      `${hubA.url}/mcp`,
      {
        jsonrpc: "2.0",
        id: "far-1",
        method: "tools/call",
        params: { name: "hub.call", arguments: { operation: "svca.job.wait", input: { tag: "far" } } },
      },
      headers,
    );
    await eventually(() => started.has("far"), { what: "the call started" });
    const cancel = await postMcp(
      `${hubB.url}/mcp`,
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "far-1", reason: "test" } },
      headers,
    );
    expect(cancel.status).toBe(202);
    await eventually(() => aborted.has("far"), { what: "the spoke saw the abort" });
    expect(await (await call).text()).toContain("ABORTED");
  });

  test("a stateless call on B is cancelled by a notifications/cancelled sent to A", async () => {
    const call = postMcp(
      `${hubB.url}/mcp`,
      {
        jsonrpc: "2.0",
        id: 77,
        method: "tools/call",
        params: {
          name: "hub.call",
          arguments: { operation: "svcb.job.wait", input: { tag: "stateless-far" } },
        },
      },
      { authorization: `Bearer ${key.key}` },
    );
    await eventually(() => started.has("stateless-far"), { what: "the call started" });
    const cancel = await postMcp(
      `${hubA.url}/mcp`,
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 77 } },
      { authorization: `Bearer ${key.key}` },
    );
    expect(cancel.status).toBe(202);
    await eventually(() => aborted.has("stateless-far"), { what: "the spoke saw the abort" });
    expect(await (await call).text()).toContain("ABORTED");
  });

  test("a session ended with DELETE on one instance is refused on the other", async () => {
    const onA = await connect(hubA.url);
    const headers = { authorization: `Bearer ${key.key}`, "mcp-session-id": onA.sessionId! };
    const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
    expect((await postMcp(`${hubB.url}/mcp`, ping, headers)).status).toBe(200);
    const del = await fetch(`${hubA.url}/mcp`, { method: "DELETE", headers });
    expect(del.status).toBe(200);
    await eventually(async () => (await postMcp(`${hubB.url}/mcp`, ping, headers)).status === 404, {
      what: "B refuses the ended session",
    });
    expect((await postMcp(`${hubA.url}/mcp`, ping, headers)).status).toBe(404);
  });
});
