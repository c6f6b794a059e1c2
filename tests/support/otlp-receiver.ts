/**
 * A real OTLP/HTTP trace receiver for tests: a server on a free loopback port that takes the JSON export
 * (`POST /v1/traces`, what `@opentelemetry/exporter-trace-otlp-http` sends), decodes it and keeps every span
 * flattened with its resource's service name and instance id. Protobuf bodies are refused with 415 so a
 * misconfigured exporter shows up as missing spans, never as silently misread ones.
 */

/** One received span, flattened. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** `service.name` of the span's resource. */
  service: string;
  /** `service.instance.id` of the span's resource, when set. */
  instanceId: string | undefined;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

export interface OtlpReceiver {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The traces endpoint (`<url>/v1/traces`). */
  readonly tracesUrl: string;
  readonly spans: ReceivedSpan[];
  /** Request headers of every export, in order. */
  readonly headers: Record<string, string>[];
  stop(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
}

interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

function plainValue(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.doubleValue;
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((attribute) => [attribute.key, plainValue(attribute.value)]));
}

/** Starts the receiver on `127.0.0.1:0`. */
export function startOtlpReceiver(): OtlpReceiver {
  const spans: ReceivedSpan[] = [];
  const headers: Record<string, string>[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (request.method !== "POST" || path !== "/v1/traces")
        return new Response("not found", { status: 404 });
      if (!request.headers.get("content-type")?.startsWith("application/json")) {
        return new Response("only the JSON encoding is decoded here", { status: 415 });
      }
      headers.push(Object.fromEntries(request.headers));
      const body = (await request.json()) as {
        resourceSpans?: {
          resource?: { attributes?: OtlpAttribute[] };
          scopeSpans?: {
            spans?: {
              traceId: string;
              spanId: string;
              parentSpanId?: string;
              name: string;
              kind: number;
              attributes?: OtlpAttribute[];
              status?: { code?: number };
            }[];
          }[];
        }[];
      };
      for (const resourceSpans of body.resourceSpans ?? []) {
        const resource = attributesOf(resourceSpans.resource?.attributes);
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? "",
              name: span.name,
              kind: span.kind,
              attributes: attributesOf(span.attributes),
              service: String(resource["service.name"] ?? ""),
              instanceId: resource["service.instance.id"] as string | undefined,
              statusCode: span.status?.code ?? 0,
            });
          }
        }
      }
      return Response.json({ partialSuccess: {} });
    },
  });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    spans,
    headers,
    stop: () => server.stop(true),
  };
}
