/**
 * MCP session lifetime (issue #14 items 2–4): a session with a running call or an open stream is in use and is
 * never evicted; a session that idled out or was ended with DELETE is 404 afterwards — also after the hub
 * restarts — and is never silently rebuilt; a session id works only on the endpoint that minted it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { eq } from "drizzle-orm";
import type { Spoke } from "../../src/sdk/index.ts";
import { mcpSessions } from "../../src/store/index.ts";
import { eventually } from "../support/eventually.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import {
  connectMcp,
  type McpConnection,
  type McpTestKey,
  makeKey,
  postMcp,
  startSpoke,
} from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const IDLE_MS = 1_000;

let files: HubFiles;
let hub: TestHub;
let spoke: Spoke;
let spokeKey: McpTestKey;
let key: McpTestKey;
const clients: McpConnection[] = [];

async function start(): Promise<void> {
  hub = await startTestHub({ files });
  spoke = await startSpoke(hub.url, spokeKey.key, {
    name: "lc",
    operations: {
      wait: {
        type: "query",
        description: "Answers after ms",
        input: Type.Object({ ms: Type.Integer() }),
        output: Type.Object({ waited: Type.Integer() }),
        handler: async ({ ms }: { ms: number }, ctx) => {
          await new Promise((resolve, reject) => {
            const timer = setTimeout(resolve, ms);
            ctx.signal.addEventListener("abort", () => {
              clearTimeout(timer);
              reject(new Error(`aborted: ${String(ctx.signal.reason)}`));
            });
          });
          return { waited: ms };
        },
      },
    },
  });
}

beforeAll(async () => {
  files = await writeHubFiles({ extra: { mcp: { sessionIdleMs: IDLE_MS } } });
  hub = await startTestHub({ files });
  spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["lc"] });
  key = await makeKey(hub.hub, { scopes: ["call"] });
  await hub.stop();
  await start();
}, 120_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await spoke?.close();
  await hub?.stop();
  await files?.cleanup();
}, 30_000);

async function connect(path = "/mcp/spokes/lc"): Promise<McpConnection> {
  const connection = await connectMcp(hub.url, key.key, { path });
  clients.push(connection);
  return connection;
}

const ping = (path: string, sessionId: string) =>
  postMcp(
    `${hub.url}${path}`,
    { jsonrpc: "2.0", id: 1, method: "ping" },
    {
      authorization: `Bearer ${key.key}`,
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-11-25",
    },
  );

/** Opens a session and closes the SDK client (its GET stream too): the session has nothing open. */
async function leaveIdle(): Promise<string> {
  const idle = await connect();
  await idle.client.close();
  clients.splice(clients.indexOf(idle), 1);
  return idle.sessionId!;
}

/** Waits until the ledger says `id` ended — watched in the store, not by requests (a request would use it). */
async function ledgerEnded(id: string, what: string): Promise<void> {
  await eventually(
    async () => {
      const [row] = await hub.hub.store.db.select().from(mcpSessions).where(eq(mcpSessions.id, id));
      return row?.endedAt != null;
    },
    { what, timeoutMs: 20 * IDLE_MS },
  );
}

test("a call running far longer than the idle time completes: its session is in use", async () => {
  const { client } = await connect();
  const result = await client.callTool({ name: "wait", arguments: { ms: 4 * IDLE_MS } }, undefined, {
    timeout: 30_000,
  });
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toEqual({ waited: 4 * IDLE_MS });
}, 30_000);

test("an open GET stream keeps its session; an idle session ends and stays 404 (not rebuilt)", async () => {
  const streaming = await connect();
  await streaming.streamOpen;
  const idleId = await leaveIdle();
  await ledgerEnded(idleId, "the idle session to end");
  // 404, and again later: the id is ended, not adopted again.
  expect((await ping("/mcp/spokes/lc", idleId)).status).toBe(404);
  expect((await ping("/mcp/spokes/lc", idleId)).status).toBe(404);
  // The session with the open stream outlived several idle periods.
  expect((await ping("/mcp/spokes/lc", streaming.sessionId!)).status).toBe(200);
}, 120_000);

test("a session whose ledger row was never written still ends when idle, and stays 404 (not adopted)", async () => {
  const idleId = await leaveIdle();
  // As if its insert had given up at the ledger's deadline on a busy store: no row at all.
  await hub.hub.store.db.delete(mcpSessions).where(eq(mcpSessions.id, idleId));
  await ledgerEnded(idleId, "the idle session's row written ended");
  expect((await ping("/mcp/spokes/lc", idleId)).status).toBe(404);
}, 120_000);

test("a session id is bound to its endpoint: sent to /mcp it is 404, and the spoke session keeps working", async () => {
  const onSpoke = await connect();
  await onSpoke.streamOpen;
  const response = await ping("/mcp", onSpoke.sessionId!);
  expect(response.status).toBe(404);
  expect((await ping("/mcp/spokes/lc", onSpoke.sessionId!)).status).toBe(200);
  expect((await onSpoke.client.callTool({ name: "wait", arguments: { ms: 1 } })).structuredContent).toEqual({
    waited: 1,
  });
});

test("a session ended with DELETE stays 404 after the hub restarts", async () => {
  const ended = await connect("/mcp");
  const endedId = ended.sessionId!;
  await ended.transport.terminateSession();
  await ended.client.close();
  clients.splice(clients.indexOf(ended), 1);
  expect((await ping("/mcp", endedId)).status).toBe(404);
  await spoke.close();
  await hub.stop();
  await start();
  expect((await ping("/mcp", endedId)).status).toBe(404);
}, 120_000);

test("a quick tools/call is answered as JSON (with and without a session); a long one as an event stream", async () => {
  const { sessionId } = await connect();
  const call = (ms: number, session?: string) =>
    postMcp(
      `${hub.url}/mcp/spokes/lc`,
      { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "wait", arguments: { ms } } },
      {
        authorization: `Bearer ${key.key}`,
        "mcp-protocol-version": "2025-11-25",
        ...(session ? { "mcp-session-id": session } : {}),
      },
    );
  for (const session of [sessionId, undefined]) {
    const quick = await call(1, session);
    expect(quick.headers.get("content-type")).toBe("application/json");
    expect(await quick.json()).toMatchObject({ id: 7, result: { structuredContent: { waited: 1 } } });
  }
  const long = await call(1_000, sessionId);
  expect(long.headers.get("content-type")).toBe("text/event-stream");
  const data = (await long.text()).split("\n").filter((line) => line.startsWith("data: "));
  expect(JSON.parse(data.at(-1)!.slice(6))).toMatchObject({
    id: 7,
    result: { structuredContent: { waited: 1_000 } },
  });
});
