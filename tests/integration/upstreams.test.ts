/**
 * Hub upstreams and the bridge's --upstream mode with the real "everything" server in Streamable HTTP mode
 * behind a front that demands a bearer token: the token comes from a sealed client secret opened at dial time;
 * tools are listed, searched and called through /mcp; progress, cancellation and isError pass through; an
 * upstream that is down at start comes up later; a rotated secret is picked up; and the credential never shows in
 * a log line, error, metric or API answer.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { ServerBridge } from "../../src/bridge/index.ts";
import { createLogger } from "../../src/log/index.ts";
import { keyRingFromConfig, setClientSecret } from "../../src/secrets/index.ts";
import { type AuthProxy, startAuthProxy } from "../support/auth-proxy.ts";
import { eventually } from "../support/eventually.ts";
import { connectMcp, type McpConnection, type McpTestKey, makeKey, wsUrl } from "../support/mcp-client.ts";
import {
  freePort,
  type HttpEverything,
  type HttpMcpServer,
  startHttpEverything,
  startHttpFilesystem,
  startHttpOddTools,
} from "../support/mcp-servers.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const TOKEN_1 = `up-token-one-${crypto.randomUUID()}`;
const TOKEN_2 = `up-token-two-${crypto.randomUUID()}`;

let everything: HttpEverything;
let late: HttpEverything | undefined;
let odd: HttpMcpServer;
let files: HttpMcpServer;
let filesDir: string;
let latePort: number;
let proxy: AuthProxy;
let hub: TestHub;
let callKey: McpTestKey;
const clients: McpConnection[] = [];
const bridgeLogs: string[] = [];
const seen: string[] = [];
let bridge: ServerBridge | undefined;

async function connect(path = "/mcp"): Promise<McpConnection> {
  const connection = await connectMcp(hub.url, callKey.key, { path });
  clients.push(connection);
  return connection;
}

async function hubCall(operation: string, input: unknown, options = {}) {
  const { client } = await connect();
  const result = await client.callTool(
    { name: "hub.call", arguments: { operation, input } },
    undefined,
    options,
  );
  seen.push(JSON.stringify(result));
  return result;
}

function setSecret(value: string) {
  const ring = keyRingFromConfig(hub.hub.config.encryptionKeys);
  return setClientSecret(hub.hub.store, ring, { account: "admin", client: "up", name: "token", value });
}

beforeAll(async () => {
  everything = await startHttpEverything();
  proxy = startAuthProxy(everything.url, TOKEN_1);
  latePort = await freePort();
  odd = await startHttpOddTools();
  filesDir = await mkdtemp(join(tmpdir(), "alkhub-upstream-fs-"));
  await writeFile(join(filesDir, "note.txt"), "a note behind an upstream\n");
  files = await startHttpFilesystem(filesDir);
  hub = await startTestHub({
    extra: {
      logging: { level: "debug" },
      upstreams: [
        { name: "up", url: proxy.url, headers: { Authorization: { secret: "token", prefix: "Bearer " } } },
        { name: "late", url: `http://127.0.0.1:${latePort}/mcp`, pingIntervalMs: 500 },
        { name: "odd", url: odd.url },
        { name: "files", url: files.url },
      ],
    },
  });
  callKey = await makeKey(hub.hub, { scopes: ["call", "read"] });
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await bridge?.close();
  await hub?.stop();
  await proxy?.stop();
  await everything?.stop();
  await late?.stop();
  await odd?.stop();
  await files?.stop();
  if (filesDir) await rm(filesDir, { recursive: true, force: true });
}, 30_000);

test("an upstream whose secret is missing says so, naming the secret, and connects once it is set", async () => {
  await eventually(() => hub.logs.some((line) => line.includes("no client secret admin/up/token")), {
    timeoutMs: 15_000,
    what: "the missing-secret error",
  });
  expect(hub.hub.subsystems.upstreams.list().find((u) => u.name === "up")?.connected).toBe(false);
  await setSecret(TOKEN_1);
  await eventually(() => hub.hub.subsystems.catalog.spoke("up")?.live === true, {
    timeoutMs: 30_000,
    what: "the upstream live in the catalog",
  });
}, 60_000);

test("its tools are operations: listed, searched, described on /mcp/spokes/up, called with structured output", async () => {
  const { client } = await connect();
  const found = await client.callTool({ name: "hub.search", arguments: { query: "structured content" } });
  seen.push(JSON.stringify(found));
  const hits = (found.structuredContent as { operations: { name: string; spoke: { live: boolean } }[] })
    .operations;
  expect(hits.map((o) => o.name)).toContain("up.get-structured-content");
  const direct = await connect("/mcp/spokes/up");
  const { tools } = await direct.client.listTools();
  seen.push(JSON.stringify(tools));
  expect(tools.map((t) => t.name)).toContain("echo");
  const result = await hubCall("up.get-structured-content", { location: "New York" });
  expect(result.structuredContent).toHaveProperty("temperature");
  const again = await direct.client.callTool({ name: "echo", arguments: { message: "via upstream" } });
  expect(JSON.stringify(again.content)).toContain("via upstream");
}, 30_000);

test("progress, cancellation and isError pass through an upstream", async () => {
  const updates: Progress[] = [];
  const done = await hubCall(
    "up.trigger-long-running-operation",
    { duration: 1, steps: 3 },
    {
      onprogress: (progress: Progress) => updates.push(progress),
    },
  );
  expect(done.isError).toBeFalsy();
  // In order, with the server's total. The last one may lose the race with the answer on /mcp (the hub's MCP
  // layer sends notifications asynchronously), so it is not required.
  const steps = updates.map((update) => update.progress);
  expect(steps.slice(0, 2)).toEqual([1, 2]);
  expect(steps.length).toBeLessThanOrEqual(3);
  expect(updates[0]?.total).toBe(3);
  const controller = new AbortController();
  const cancelled = hubCall(
    "up.trigger-long-running-operation",
    { duration: 30, steps: 30 },
    {
      signal: controller.signal,
      onprogress: () => controller.abort(),
    },
  );
  await expect(cancelled).rejects.toThrow();
  const failed = await hubCall("up.gzip-file-as-resource", { name: "x", data: "not-a-url-at-all" });
  expect(failed.isError).toBe(true);
}, 60_000);

test("the filesystem server behind an upstream: tools listed, a file read, a path outside refused as isError", async () => {
  await eventually(() => hub.hub.subsystems.catalog.spoke("files")?.live === true, {
    timeoutMs: 30_000,
    what: "the files upstream live",
  });
  expect(hub.hub.subsystems.catalog.operation("files.read_text_file")).toBeDefined();
  const read = await hubCall("files.read_text_file", { path: join(filesDir, "note.txt") });
  expect(JSON.stringify(read.content)).toContain("a note behind an upstream");
  const outside = await hubCall("files.read_text_file", { path: "/etc/passwd" });
  expect(outside.isError).toBe(true);
}, 60_000);

test("an upstream that is down at start comes up later and goes live", async () => {
  expect(hub.hub.subsystems.catalog.spoke("late")?.live ?? false).toBe(false);
  late = await startHttpEverything(latePort);
  await eventually(() => hub.hub.subsystems.catalog.spoke("late")?.live === true, {
    timeoutMs: 30_000,
    what: "the late upstream live",
  });
  const echo = await hubCall("late.echo", { message: "late but here" });
  expect(JSON.stringify(echo.content)).toContain("late but here");
}, 60_000);

test("tools/list_changed from an upstream registers it again; odd names are mapped, bad schemas refused", async () => {
  await eventually(() => hub.hub.subsystems.catalog.spoke("odd")?.live === true, {
    timeoutMs: 30_000,
    what: "the odd upstream live",
  });
  expect(hub.hub.subsystems.catalog.operation("odd.bad-schema")).toBeUndefined();
  expect(
    hub.logs.some((line) => line.includes("the hub refused it") && line.includes('"tool":"bad-schema"')),
  ).toBe(true);
  const renamed = await hubCall("odd.x_fs_2fread_20file", {});
  expect(JSON.stringify(renamed.content)).toContain("called fs/read file");
  await hubCall("odd.add-tool", { name: "fresh" });
  await eventually(() => hub.hub.subsystems.catalog.operation("odd.fresh") !== undefined, {
    timeoutMs: 20_000,
    what: "odd.fresh registered after tools/list_changed",
  });
  expect(
    hub.logs.some((line) => line.includes('"reason":"list-changed"') && line.includes('"upstream":"odd"')),
  ).toBe(true);
}, 60_000);

test("an upstream killed mid-call: the caller gets a typed error; it is dialled again and re-registered", async () => {
  const call = hubCall("late.trigger-long-running-operation", { duration: 20, steps: 20 });
  await Bun.sleep(500);
  await late?.stop();
  const result = await call;
  expect(result.isError).toBe(true);
  expect((result.structuredContent as { code: string }).code).toMatch(/SPOKE_DISCONNECTED|SPOKE_UNAVAILABLE/);
  await eventually(() => hub.hub.subsystems.catalog.spoke("late")?.live === false, {
    timeoutMs: 15_000,
    what: "late offline",
  });
  late = await startHttpEverything(latePort);
  await eventually(() => hub.hub.subsystems.catalog.spoke("late")?.live === true, {
    timeoutMs: 30_000,
    what: "late live again",
  });
  const echo = await hubCall("late.echo", { message: "back again" });
  expect(JSON.stringify(echo.content)).toContain("back again");
}, 60_000);

test("a rotated secret is used at the next dial", async () => {
  await setSecret(TOKEN_2);
  proxy.token = TOKEN_2; // the server now refuses the old credential
  const echo = await eventually(
    async () => {
      const result = await hubCall("up.echo", { message: "after rotation" });
      return result.isError ? false : result;
    },
    { timeoutMs: 30_000, what: "a call with the new credential" },
  );
  expect(JSON.stringify(echo.content)).toContain("after rotation");
  expect(proxy.refused).toBeGreaterThan(0);
}, 60_000);

test("the bridge dials a Streamable HTTP server too (--upstream with headers)", async () => {
  const spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["remote"] });
  bridge = new ServerBridge({
    name: "remote",
    target: {
      kind: "http",
      url: proxy.url,
      headers: async () => ({ Authorization: `Bearer ${proxy.token}` }),
    },
    hub: { url: wsUrl(hub.url), token: spokeKey.key },
    log: createLogger({ sink: (line) => bridgeLogs.push(line) }),
  });
  await bridge.start();
  await eventually(() => bridge?.registered === true, {
    timeoutMs: 20_000,
    what: "the HTTP bridge registered",
  });
  const result = await hubCall("remote.get-structured-content", { location: "Los Angeles" });
  expect(result.structuredContent).toHaveProperty("humidity");
}, 30_000);

test("the upstream's credential appears in no log line, error, metric or API answer", async () => {
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  const api = await Promise.all(
    ["/api/v1/spokes", "/api/v1/operations?limit=200", "/api/v1/operations/up.echo"].map(async (path) =>
      (await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${callKey.key}` } })).text(),
    ),
  );
  const status = JSON.stringify(hub.hub.subsystems.upstreams.list());
  expect(status).toContain('"Authorization":"token"');
  const everything = [...hub.logs, ...seen, metrics, ...api, status].join("\n");
  expect(hub.logs.length).toBeGreaterThan(10);
  for (const token of [TOKEN_1, TOKEN_2]) expect(everything.includes(token)).toBe(false);
}, 30_000);
