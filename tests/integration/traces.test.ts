/**
 * Traces on one in-process hub (issue #16, docs/observability.md; both modes), against a real OTLP/HTTP receiver in
 * this process: the local relay span is the spoke's parent, an encrypted OTLP header reaches the receiver
 * decrypted and is never logged, an HTTP `traceparent` header starts the context, and a bad one is ignored;
 * tracing off: the hub exports nothing, and the caller's context reaches the spoke unchanged. Across two
 * instances: traces-cluster.test.ts. The test process is the spokes' application: it registers a tracer provider
 * of its own with the global OpenTelemetry API (the SDK picks it up), exporting to the same receiver.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { trace } from "@opentelemetry/api";
import type { TracerProvider } from "@opentelemetry/sdk-trace";
import { encryptConfigValue } from "../../src/config/index.ts";
import type { TraceContext } from "../../src/protocol/index.ts";
import type { Spoke } from "../../src/sdk/index.ts";
import { writeHubFiles } from "../support/hub-files.ts";
import { connectMcp, makeKey } from "../support/mcp-client.ts";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";
import {
  connectEchoSpoke,
  one,
  registerAppTracing,
  spansOf,
  telemetryConfig,
} from "../support/trace-helpers.ts";

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
