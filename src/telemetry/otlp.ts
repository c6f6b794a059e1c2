/**
 * The hub's trace pipeline when `telemetry.otlp` is configured: an OpenTelemetry tracer provider of the hub's
 * own (never registered globally, so nothing else in the process is traced by accident), sampling parent-based
 * with a ratio for new traces, batching finished spans off the call path and POSTing them as OTLP/HTTP JSON.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { OtlpConfig } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import type { CallTracer } from "../router/index.ts";
import { BUILD_INFO } from "../version.ts";
import { OtelCallTracer } from "./call-tracer.ts";

/** A running trace pipeline. */
export interface Tracing {
  /** What the router and the forwarded calls make their spans with. */
  readonly tracer: CallTracer;
  /** Where spans go, safe to log (the endpoint's origin and path: no credentials, no query). */
  readonly target: string;
  /** Exports what is still queued, within the exporter's time limit. */
  flush(): Promise<void>;
  /** Exports what is queued and stops; spans ended after this are dropped. */
  stop(): Promise<void>;
}

/** The traces URL: `endpoint` as given, or with `/v1/traces` when it has no path (the OTLP/HTTP default). */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/v1/traces";
  return url.toString();
}

/** Starts the pipeline for `config`, labelled with this instance's id. Never logs a header value. */
export function startTracing(config: OtlpConfig, instanceId: string, log: Logger): Tracing {
  const url = tracesUrl(config.endpoint);
  const parsed = new URL(url);
  const target = `${parsed.origin}${parsed.pathname}`;
  const exporter = new OTLPTraceExporter({
    url,
    headers: { ...config.headers },
    timeoutMillis: config.exportTimeoutMs,
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": config.serviceName,
      "service.version": BUILD_INFO.version,
      "service.instance.id": instanceId,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplingRatio) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: config.exportDelayMs,
        exportTimeoutMillis: config.exportTimeoutMs,
        maxQueueSize: config.maxQueueSize,
        maxExportBatchSize: Math.min(512, config.maxQueueSize),
      }),
    ],
  });
  log.info("exporting traces over OTLP/HTTP", {
    target,
    samplingRatio: config.samplingRatio,
    serviceName: config.serviceName,
    headers: Object.keys(config.headers).length,
  });
  return {
    tracer: new OtelCallTracer(provider.getTracer("alkhub", BUILD_INFO.version)),
    target,
    flush: () => provider.forceFlush(),
    stop: () => provider.shutdown(),
  };
}
