// alkhub-test: once
/**
 * Traces across two compiled hubs on Postgres and Redis (issue #16, docs/observability.md), against a real
 * OTLP/HTTP receiver in this process: a caller spoke on A calls a spoke on B; one trace holds the caller's span,
 * A's call/auth/route/remote-hop spans, B's forward span and the serving spoke's span, each the child of the one
 * before; an MCP tools/call on A with `_meta.traceparent` continues the trace it names. Services only (a cluster
 * needs Redis): one hub's traces, in both modes, are in traces.test.ts.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { trace } from "@opentelemetry/api";
import type { TracerProvider } from "@opentelemetry/sdk-trace";
import type { TraceContext } from "../../src/protocol/index.ts";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { startCluster, type TestCluster, waitListedEverywhere } from "../support/cluster.ts";
import { connectMcp, makeKey } from "../support/mcp-client.ts";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver.ts";
import { describeWithServices } from "../support/services.ts";
import {
  CLIENT,
  connectEchoSpoke,
  one,
  registerAppTracing,
  SERVER,
  spansOf,
  telemetryConfig,
  traceOf,
} from "../support/trace-helpers.ts";

describeWithServices("traces across two compiled hubs (caller on A, spoke on B)", () => {
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
