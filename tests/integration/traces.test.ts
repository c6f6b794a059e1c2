/**
 * Traces end to end (issue #16, docs/observability.md), against a real OTLP/HTTP receiver in this process:
 * - two compiled hubs (services mode): a caller spoke on A calls a spoke on B; one trace holds the caller's span,
 *   A's call/auth/route/remote-hop spans, B's forward span and the serving spoke's span, each the child of the
 *   one before; an MCP tools/call on A with `_meta.traceparent` continues the trace it names;
 * - one in-process hub (both modes): the local relay span is the spoke's parent, an encrypted OTLP header reaches
 *   the receiver decrypted and is never logged, an HTTP `traceparent` header starts the context, and a bad one
 *   is ignored;
 * - tracing off: the hub exports nothing, and the caller's context reaches the spoke unchanged.
 * The test process is the spokes' application: it registers a tracer provider of its own with the global
 * OpenTelemetry API (the SDK picks it up), exporting to the same receiver, and unregisters it at the end.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { type Span, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { Type } from "@sinclair/typebox";
import { encryptConfigValue } from "../../src/config/index.ts";
import { formatTraceparent, type TraceContext } from "../../src/protocol/index.ts";
import { type CallContext, connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { startCluster, type TestCluster, waitListedEverywhere } from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { writeHubFiles } from "../support/hub-files.ts";
import { connectMcp, makeKey } from "../support/mcp-client.ts";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.ts";
import { describeWithServices, TEST_MODE } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const SERVER = 2;
const CLIENT = 3;
const ECHO_INPUT = Type.Object({ text: Type.Optional(Type.String()) });

/** The spokes' side: a tracer provider registered globally in this process, exporting to `receiver`. */
function registerAppTracing(receiver: OtlpReceiver): TracerProvider {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "test-app" }),
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: receiver.tracesUrl }) }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  return provider;
}

function traceOf(span: Span): TraceContext {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { traceparent: formatTraceparent(traceId, spanId, traceFlags) };
}

/** A spoke serving `echo`, whose answer says which trace context its handler saw. */
function connectEchoSpoke(url: string, token: string, name: string): Promise<Spoke> {
  return connectSpoke({
    url,
    token,
    name,
    operations: {
      echo: {
        type: "query",
        description: "Answers with its input and the trace context of its handler",
        input: ECHO_INPUT,
        handler: (input: unknown, ctx: CallContext) => ({ input, trace: ctx.trace ?? null }),
      },
      nested: {
        type: "query",
        description: "Calls its own echo through the hub (ctx.call passes ctx.trace on)",
        input: ECHO_INPUT,
        handler: (_input: unknown, ctx: CallContext) => ctx.call(`${name}.echo`, { text: "inner" }),
      },
    },
  });
}

/** Waits until the receiver holds a span of trace `traceId` under each of `names` (spans come in batches). */
function spansOf(receiver: OtlpReceiver, traceId: string, names: string[]): Promise<ReceivedSpan[]> {
  return eventually(
    () => {
      const found = receiver.spans.filter((span) => span.traceId === traceId);
      return names.every((name) => found.some((span) => span.name === name)) ? found : false;
    },
    { timeoutMs: 20_000, what: `spans ${names.join(", ")} of trace ${traceId}` },
  );
}

/** The one span named `name` (and of `service`, when given) among `spans`. */
function one(spans: ReceivedSpan[], name: string, service?: string): ReceivedSpan {
  const found = spans.filter(
    (span) => span.name === name && (service === undefined || span.service === service),
  );
  if (found.length !== 1) {
    throw new Error(`expected one span ${name}, got ${found.length}: ${spans.map((s) => s.name).join(", ")}`);
  }
  return found[0] as ReceivedSpan;
}

const telemetryConfig = (receiver: OtlpReceiver, extra: Record<string, unknown> = {}) => ({
  otlp: { endpoint: receiver.url, serviceName: "alkhub", exportDelayMs: 50, ...extra },
});

// The cluster needs Postgres and Redis: it runs in the services pass only.
const describeCluster = TEST_MODE === "services" ? describeWithServices : describe.skip;

describeCluster("traces across two compiled hubs (caller on A, spoke on B)", () => {
  let receiver: OtlpReceiver;
  let app: TracerProvider;
  let cluster: TestCluster;
  const spokes: Spoke[] = [];
  let callerKey: string;

  beforeAll(async () => {
    receiver = startOtlpReceiver();
    app = registerAppTracing(receiver);
    cluster = await startCluster({ size: 2, extra: { telemetry: telemetryConfig(receiver) } });
    const key = await makeKey(cluster, { scopes: ["spoke", "call", "read"], spokeNames: ["trace*"] });
    callerKey = key.key;
    spokes.push(await connectEchoSpoke(cluster.get("B").wsUrl, key.key, "traceb"));
    spokes.push(
      await connectSpoke({
        url: cluster.get("A").wsUrl,
        token: key.key,
        name: "tracecaller",
        operations: {},
      }),
    );
    await waitListedEverywhere(cluster, key.key, "traceb", 2);
  }, 90_000);

  afterAll(async () => {
    for (const spoke of spokes) await spoke.close().catch(() => {});
    await cluster?.stop();
    trace.disable();
    await app?.shutdown();
    await receiver?.stop();
  }, 60_000);

  test("one trace: caller → A (call, auth, route, remote-hop) → B (forward) → spoke, each the child of the one before", async () => {
    const caller = spokes[1] as Spoke;
    const callerSpan = trace.getTracer("test").startSpan("test.caller", { kind: 3 });
    const answer = (await caller.call("traceb.echo", { text: "hi" }, { trace: traceOf(callerSpan) })) as {
      trace: TraceContext | null;
    };
    callerSpan.end();
    const traceId = callerSpan.spanContext().traceId;
    const spans = await spansOf(receiver, traceId, [
      "test.caller",
      "alkhub.call traceb.echo",
      "alkhub.auth",
      "alkhub.route",
      "alkhub.remote-hop",
      "alkhub.forward",
      "traceb.echo",
    ]);
    const instanceIds = new Set(spans.filter((s) => s.service === "alkhub").map((s) => s.instanceId));

    const callerReceived = one(spans, "test.caller", "test-app");
    const call = one(spans, "alkhub.call traceb.echo", "alkhub");
    const auth = one(spans, "alkhub.auth", "alkhub");
    const route = one(spans, "alkhub.route", "alkhub");
    const hop = one(spans, "alkhub.remote-hop", "alkhub");
    const forward = one(spans, "alkhub.forward", "alkhub");
    const served = one(spans, "traceb.echo", "test-app");

    expect(call.parentSpanId).toBe(callerReceived.spanId);
    expect([auth.parentSpanId, route.parentSpanId, hop.parentSpanId]).toEqual([
      call.spanId,
      call.spanId,
      call.spanId,
    ]);
    expect(forward.parentSpanId).toBe(hop.spanId);
    expect(served.parentSpanId).toBe(forward.spanId);
    // A's spans and B's come from two instances.
    expect(instanceIds.size).toBe(2);
    expect(call.instanceId).toBe(hop.instanceId);
    expect(forward.instanceId).not.toBe(call.instanceId);
    expect(hop.attributes["alkhub.target_instance.id"]).toBe(forward.instanceId as string);
    expect([call.kind, hop.kind, forward.kind, served.kind]).toEqual([SERVER, CLIENT, SERVER, SERVER]);
    expect(call.attributes["alkhub.outcome"]).toBe("ok");
    expect(call.attributes["alkhub.surface"]).toBe("ws");
    expect(call.attributes["alkhub.spoke"]).toBe("traceb");
    // The handler's ctx.trace is the spoke's own span.
    expect(answer.trace?.traceparent).toBe(`00-${traceId}-${served.spanId}-01`);
  }, 60_000);

  test("an MCP tools/call with _meta.traceparent on A continues that trace", async () => {
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const parentSpanId = "a1b2c3d4e5f60718";
    const mcp = await connectMcp(cluster.get("A").url, callerKey);
    try {
      const result = await mcp.client.callTool({
        name: "hub.call",
        arguments: { operation: "traceb.echo", input: { text: "mcp" } },
        _meta: { traceparent: `00-${traceId}-${parentSpanId}-01` },
      });
      expect(result.isError).toBeFalsy();
    } finally {
      await mcp.close();
    }
    const spans = await spansOf(receiver, traceId, [
      "alkhub.call traceb.echo",
      "alkhub.forward",
      "traceb.echo",
    ]);
    const call = one(spans, "alkhub.call traceb.echo", "alkhub");
    expect(call.parentSpanId).toBe(parentSpanId);
    expect(call.attributes["alkhub.surface"]).toBe("mcp");
    const forward = one(spans, "alkhub.forward", "alkhub");
    expect(one(spans, "traceb.echo", "test-app").parentSpanId).toBe(forward.spanId);
  }, 60_000);
});

describe("traces on one hub", () => {
  let receiver: OtlpReceiver;
  let app: TracerProvider;
  let traced: TestHub;
  let untraced: TestHub;
  const spokes: Spoke[] = [];
  let tracedKey: string;
  let untracedKey: string;
  const SECRET = `Bearer otlp-${crypto.randomUUID()}`;

  beforeAll(async () => {
    receiver = startOtlpReceiver();
    app = registerAppTracing(receiver);
    // Info level: the startup line about tracing is logged, and the secret must not be in any line.
    const files = await writeHubFiles({
      extra: { telemetry: telemetryConfig(receiver), logging: { level: "info" } },
    });
    // The exporter's credential, sealed in the config like any secret.
    const config = JSON.parse(readFileSync(files.configPath, "utf8"));
    config.telemetry.otlp.headers = {
      authorization: encryptConfigValue(files.masterKey, "/telemetry/otlp/headers/authorization", SECRET),
    };
    writeFileSync(files.configPath, JSON.stringify(config));
    traced = await startTestHub({ files });
    untraced = await startTestHub();
    for (const [hub, name] of [
      [traced, "tracelocal"],
      [untraced, "traceoff"],
    ] as const) {
      const key = (await makeKey(hub.hub, { scopes: ["spoke", "call", "read"], spokeNames: ["trace*"] })).key;
      if (hub === traced) tracedKey = key;
      else untracedKey = key;
      spokes.push(await connectEchoSpoke(`${hub.url.replace(/^http/, "ws")}/ws`, key, name));
    }
  }, 90_000);

  afterAll(async () => {
    for (const spoke of spokes) await spoke.close().catch(() => {});
    await traced?.stop();
    await traced?.files.cleanup();
    await untraced?.stop();
    trace.disable();
    await app?.shutdown();
    await receiver?.stop();
  }, 60_000);

  /** POST /api/v1/operations/<name>/call with extra headers. */
  async function httpCall(hub: TestHub, key: string, operation: string, headers: Record<string, string>) {
    const response = await fetch(`${hub.url}/api/v1/operations/${operation}/call`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      body: JSON.stringify({ text: "http" }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { trace: TraceContext | null };
  }

  test("an HTTP traceparent header starts the context; the relay span is the spoke's parent; the encrypted header arrives decrypted and is never logged", async () => {
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const answer = await httpCall(traced, tracedKey, "tracelocal.echo", {
      traceparent: `00-${traceId}-0102030405060708-01`,
      tracestate: "vendor=opaque",
    });
    const spans = await spansOf(receiver, traceId, [
      "alkhub.call tracelocal.echo",
      "alkhub.relay",
      "tracelocal.echo",
    ]);
    const call = one(spans, "alkhub.call tracelocal.echo", "alkhub");
    const relay = one(spans, "alkhub.relay", "alkhub");
    const served = one(spans, "tracelocal.echo", "test-app");
    expect(call.parentSpanId).toBe("0102030405060708");
    expect(call.attributes["alkhub.surface"]).toBe("http");
    expect(relay.parentSpanId).toBe(call.spanId);
    expect(served.parentSpanId).toBe(relay.spanId);
    // The hub passes the caller's tracestate on.
    expect(answer.trace).toEqual({
      traceparent: `00-${traceId}-${served.spanId}-01`,
      tracestate: "vendor=opaque",
    });
    expect(receiver.headers.some((h) => h.authorization === SECRET)).toBe(true);
    expect(traced.logs.join("\n")).not.toContain(SECRET.slice(7));
    expect(traced.logs.join("\n")).toContain("exporting traces over OTLP/HTTP");
  }, 60_000);

  test("a handler's ctx.call continues its trace: the inner call's hub span is the child of the outer spoke span", async () => {
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const answer = await httpCall(traced, tracedKey, "tracelocal.nested", {
      traceparent: `00-${traceId}-2122232425262728-01`,
    });
    const spans = await spansOf(receiver, traceId, [
      "alkhub.call tracelocal.nested",
      "tracelocal.nested",
      "alkhub.call tracelocal.echo",
      "tracelocal.echo",
    ]);
    const outer = one(spans, "tracelocal.nested", "test-app");
    const innerCall = one(spans, "alkhub.call tracelocal.echo", "alkhub");
    expect(innerCall.parentSpanId).toBe(outer.spanId);
    expect(innerCall.attributes["alkhub.parent_request_id"]).toBeString();
    const inner = one(spans, "tracelocal.echo", "test-app");
    expect(answer.trace?.traceparent).toBe(`00-${traceId}-${inner.spanId}-01`);
  }, 60_000);

  test("a malformed HTTP traceparent is ignored: the call runs in a new trace of the hub's own", async () => {
    const answer = await httpCall(traced, tracedKey, "tracelocal.echo", { traceparent: "00-not-a-trace-01" });
    const traceId = answer.trace?.traceparent.slice(3, 35);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const spans = await spansOf(receiver, traceId as string, [
      "alkhub.call tracelocal.echo",
      "tracelocal.echo",
    ]);
    expect(one(spans, "alkhub.call tracelocal.echo", "alkhub").parentSpanId).toBe("");
  }, 60_000);

  test("MCP tools/call continues _meta.traceparent, on the fast path and on the SDK path (with a progress token)", async () => {
    const mcp = await connectMcp(traced.url, tracedKey);
    const traceIds: string[] = [];
    try {
      for (const withProgress of [false, true]) {
        const traceId = crypto.randomUUID().replaceAll("-", "");
        traceIds.push(traceId);
        const result = await mcp.client.callTool(
          {
            name: "hub.call",
            arguments: { operation: "tracelocal.echo", input: { text: "mcp" } },
            _meta: { traceparent: `00-${traceId}-0a0b0c0d0e0f1011-01` },
          },
          undefined,
          withProgress ? { onprogress: () => {} } : undefined,
        );
        expect(result.isError).toBeFalsy();
      }
    } finally {
      await mcp.close();
    }
    for (const traceId of traceIds) {
      const spans = await spansOf(receiver, traceId, [
        "alkhub.call tracelocal.echo",
        "alkhub.relay",
        "tracelocal.echo",
      ]);
      const call = one(spans, "alkhub.call tracelocal.echo", "alkhub");
      expect(call.parentSpanId).toBe("0a0b0c0d0e0f1011");
      expect(call.attributes["alkhub.surface"]).toBe("mcp");
      expect(one(spans, "tracelocal.echo", "test-app").parentSpanId).toBe(one(spans, "alkhub.relay").spanId);
    }
  }, 60_000);

  test("tracing off: the hub exports nothing and the caller's context reaches the spoke unchanged", async () => {
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const traceparent = `00-${traceId}-1112131415161718-01`;
    const answer = await httpCall(untraced, untracedKey, "traceoff.echo", { traceparent });
    // The spoke's own span (test-app) is the child of the caller's span: the hub put nothing between them.
    const spans = await spansOf(receiver, traceId, ["traceoff.echo"]);
    expect(spans.map((span) => [span.name, span.parentSpanId])).toEqual([
      ["traceoff.echo", "1112131415161718"],
    ]);
    expect(answer.trace?.traceparent).toBe(`00-${traceId}-${spans[0]?.spanId}-01`);
    // Give a (wrongly) running exporter time to deliver, then check the hub sent no span at all.
    await Bun.sleep(500);
    expect(receiver.spans.filter((span) => span.traceId === traceId && span.service === "alkhub")).toEqual(
      [],
    );
    expect(untraced.logs.join("\n")).not.toContain("exporting traces");
  }, 60_000);
});
