// alkhub-test: once
/**
 * MCP tasks of the 2026-07-28 revision (docs/mcp.md › Tasks) across two hub instances started from the same files
 * (master key, Postgres, Redis): a long call made on A becomes a task, B answers `tasks/get` while it runs and
 * after it settled (the result comes from the shared buffer, not from A's memory), B cancels a task whose call
 * runs on A (the spoke's handler sees the abort), another key cannot see the task, and a client that did not
 * declare the tasks extension gets the plain result. Real services only (two hubs cannot share an embedded store).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { eq } from "drizzle-orm";
import type { AnyOperationDef, Spoke } from "../../src/sdk/index.ts";
import { calls, mcpTasks } from "../../src/store/index.ts";
import { eventually } from "../support/eventually.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { type Latch, latch, type McpTestKey, makeKey, postMcp, startSpoke } from "../support/mcp-client.ts";
import { describeWithServices } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const VERSION = "2026-07-28";
const TASKS = "io.modelcontextprotocol/tasks";

/** One request of the 2026-07-28 wire, with the routing headers and `_meta` it needs. */
async function rpc(
  baseUrl: string,
  key: McpTestKey,
  method: string,
  params: Record<string, unknown>,
  options: { tasks?: boolean; name?: string } = {},
): Promise<{
  status: number;
  body: { result?: Record<string, unknown>; error?: { code: number; message: string } };
}> {
  const capabilities = options.tasks === false ? {} : { extensions: { [TASKS]: {} } };
  const headers: Record<string, string> = {
    authorization: `Bearer ${key.key}`,
    "mcp-protocol-version": VERSION,
    "mcp-method": method,
  };
  if (options.name !== undefined) headers["mcp-name"] = options.name;
  const response = await postMcp(
    `${baseUrl}/mcp/spokes/jobs`,
    {
      jsonrpc: "2.0",
      id: crypto.randomUUID(),
      method,
      params: {
        ...params,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": VERSION,
          "io.modelcontextprotocol/clientCapabilities": capabilities,
        },
      },
    },
    headers,
  );
  const text = await response.text();
  // A call still running after the JSON window is answered as an event stream: its last event is the answer.
  const json = response.headers.get("content-type")?.includes("text/event-stream")
    ? (text
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .at(-1)
        ?.slice("data: ".length) ?? "null")
    : text;
  return { status: response.status, body: JSON.parse(json) };
}

describeWithServices("MCP tasks across two hub instances", () => {
  let files: HubFiles;
  let hubA: TestHub;
  let hubB: TestHub;
  let spoke: Spoke;
  let key: McpTestKey;
  let otherKey: McpTestKey;
  const aborted = new Set<string>();
  /** One latch per call tag: a call waits for its own. */
  const latches = new Map<string, Latch>();
  const latchOf = (tag: string): Latch => {
    let found = latches.get(tag);
    if (!found) {
      found = latch();
      latches.set(tag, found);
    }
    return found;
  };

  beforeAll(async () => {
    files = await writeHubFiles({ mode: "services" });
    hubA = await startTestHub({ files });
    hubB = await startTestHub({ files });
    const spokeKey = await makeKey(hubA.hub, { scopes: ["spoke"], spokeNames: ["jobs"] });
    const operations: Record<string, AnyOperationDef> = {
      wait: {
        type: "mutation",
        description: "Waits for the test (or an abort), then answers with its tag",
        input: Type.Object({ tag: Type.String() }),
        handler: async ({ tag }: { tag: string }, ctx) => {
          await Promise.race([
            latchOf(tag).wait,
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
    spoke = await startSpoke(hubA.url, spokeKey.key, { name: "jobs", operations });
    key = await makeKey(hubA.hub, { scopes: ["read", "call"] });
    otherKey = await makeKey(hubA.hub, { scopes: ["read", "call"] });
    await eventually(() => hubB.hub.subsystems.catalog.spoke("jobs")?.live === true, {
      what: "jobs live on B",
    });
  }, 30_000);

  afterAll(async () => {
    for (const gate of latches.values()) gate.release();
    await spoke?.close();
    await hubB?.stop();
    await hubA?.stop();
    await files?.cleanup();
  });

  test("a long call on A becomes a task that B reads while it runs and after it settled", async () => {
    const created = await rpc(
      hubA.url,
      key,
      "tools/call",
      { name: "wait", arguments: { tag: "t1" } },
      { name: "wait" },
    );
    expect(created.status).toBe(200);
    const task = created.body.result as { resultType: string; taskId: string; status: string; ttlMs: number };
    expect(task.resultType).toBe("task");
    expect(task.status).toBe("working");
    expect(Number.isInteger(task.ttlMs)).toBe(true);
    const get = () => rpc(hubB.url, key, "tasks/get", { taskId: task.taskId }, { name: task.taskId });
    expect((await get()).body.result?.status).toBe("working");
    // Another key does not see the task at all.
    const foreign = await rpc(
      hubB.url,
      otherKey,
      "tasks/get",
      { taskId: task.taskId },
      { name: task.taskId },
    );
    expect(foreign.body.error?.code).toBe(-32602);
    latchOf("t1").release();
    const done = await eventually(
      async () => {
        const answer = (await get()).body.result;
        if (answer?.status !== "completed") throw new Error(`status ${String(answer?.status)}`);
        return answer;
      },
      { what: "the task completed", timeoutMs: 20_000, intervalMs: 200 },
    );
    const result = done.result as { structuredContent: unknown; resultType?: string };
    expect(result.structuredContent).toEqual({ tag: "t1" });
    // The task names its call in the call audit, whose row says how the call ended.
    const db = hubB.hub.store.db;
    const [row] = await db.select().from(mcpTasks).where(eq(mcpTasks.id, task.taskId));
    expect(row?.callRequestId).toEqual(expect.any(String));
    const audited = await eventually(
      async () => {
        const [call] = await db
          .select()
          .from(calls)
          .where(eq(calls.requestId, row?.callRequestId as string));
        if (!call) throw new Error("no calls row yet");
        return call;
      },
      { what: "the call's audit row", timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(audited.operation).toBe("jobs.wait");
    expect(audited.outcome).toBe("ok");
  }, 40_000);

  test("B cancels a task whose call runs on A: the spoke's handler is aborted, the task stays cancelled", async () => {
    const created = await rpc(
      hubA.url,
      key,
      "tools/call",
      { name: "wait", arguments: { tag: "t2" } },
      { name: "wait" },
    );
    const { taskId } = created.body.result as { taskId: string };
    expect(typeof taskId).toBe("string");
    const cancelled = await rpc(hubB.url, key, "tasks/cancel", { taskId }, { name: taskId });
    expect(cancelled.body.result).toEqual({ resultType: "complete" });
    const status = (await rpc(hubB.url, key, "tasks/get", { taskId }, { name: taskId })).body.result?.status;
    expect(status).toBe("cancelled");
    await eventually(() => aborted.has("t2"), { what: "the spoke saw the abort", timeoutMs: 20_000 });
    // The call's end (ABORTED) does not overwrite the cancellation.
    const after = (await rpc(hubA.url, key, "tasks/get", { taskId }, { name: taskId })).body.result?.status;
    expect(after).toBe("cancelled");
  }, 40_000);

  test("without the tasks extension the call answers its result, and tasks/* need the extension", async () => {
    setTimeout(() => latchOf("t3").release(), 600);
    const plain = await rpc(
      hubB.url,
      key,
      "tools/call",
      { name: "wait", arguments: { tag: "t3" } },
      { name: "wait", tasks: false },
    );
    expect(plain.body.result?.resultType).toBe("complete");
    expect(plain.body.result?.structuredContent).toEqual({ tag: "t3" });
    const gated = await rpc(hubB.url, key, "tasks/get", { taskId: "x" }, { name: "x", tasks: false });
    expect(gated.status).toBe(400);
    expect(gated.body.error?.code).toBe(-32021);
  }, 40_000);
});
