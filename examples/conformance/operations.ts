/**
 * The tools the official MCP conformance suite calls (`@modelcontextprotocol/conformance`, tools-call-*
 * scenarios), as spoke operations. Registered under a spoke named `conformance`, they are served as direct
 * tools on `/mcp/spokes/conformance`: their MCP-shaped outputs pass through the hub unchanged, and their
 * progress and log messages become MCP notifications.
 */
import { type AnyOperationDef, defineOperation, HubError, type Spoke } from "@alkdev/hub/spoke";
import { Type } from "@sinclair/typebox";

/** A 1×1 red PNG. */
const RED_PIXEL_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

/** A tiny WAV file (44-byte header, 8 silent samples, 8 kHz mono 8-bit). */
const SILENT_WAV = Buffer.concat([
  Buffer.from("RIFF"),
  Buffer.from([44, 0, 0, 0]),
  Buffer.from("WAVEfmt "),
  Buffer.from([16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x40, 0x1f, 0, 0, 1, 0, 8, 0]),
  Buffer.from("data"),
  Buffer.from([8, 0, 0, 0]),
  Buffer.alloc(8, 0x80),
]).toString("base64");

const NoInput = Type.Object({});

/** The input schema of `json_schema_2020_12_tool`, as the suite expects it back (every keyword preserved). */
const JSON_SCHEMA_2020_12_INPUT = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: {
    address: {
      $anchor: "addressDef",
      type: "object",
      properties: { street: { type: "string" }, city: { type: "string" } },
    },
  },
  properties: {
    name: { type: "string" },
    address: { $ref: "#/$defs/address" },
    contactMethod: { type: "string", enum: ["phone", "email"] },
    phone: { type: "string" },
    email: { type: "string" },
  },
  allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
  if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
  // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword (if/then/else), never awaited.
  then: { required: ["phone"] },
  else: { required: ["email"] },
  additionalProperties: false,
};
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

export const conformanceOperations = {
  test_simple_text: defineOperation({
    type: "query",
    description: "Returns a simple text block (MCP conformance: tools-call-simple-text).",
    input: NoInput,
    handler: () => ({ content: [{ type: "text", text: "This is a simple text response for testing." }] }),
  }),
  test_image_content: defineOperation({
    type: "query",
    description: "Returns a 1×1 PNG image (MCP conformance: tools-call-image).",
    input: NoInput,
    handler: () => ({ content: [{ type: "image", data: RED_PIXEL_PNG, mimeType: "image/png" }] }),
  }),
  test_audio_content: defineOperation({
    type: "query",
    description: "Returns a tiny WAV clip (MCP conformance: tools-call-audio).",
    input: NoInput,
    handler: () => ({ content: [{ type: "audio", data: SILENT_WAV, mimeType: "audio/wav" }] }),
  }),
  test_embedded_resource: defineOperation({
    type: "query",
    description: "Returns an embedded text resource (MCP conformance: tools-call-embedded-resource).",
    input: NoInput,
    handler: () => ({
      content: [
        {
          type: "resource",
          resource: {
            uri: "test://embedded-resource",
            mimeType: "text/plain",
            text: "This is an embedded resource content.",
          },
        },
      ],
    }),
  }),
  test_multiple_content_types: defineOperation({
    type: "query",
    description:
      "Returns text, an image and a resource together (MCP conformance: tools-call-mixed-content).",
    input: NoInput,
    handler: () => ({
      content: [
        { type: "text", text: "Multiple content types test:" },
        { type: "image", data: RED_PIXEL_PNG, mimeType: "image/png" },
        {
          type: "resource",
          resource: {
            uri: "test://mixed-content-resource",
            mimeType: "application/json",
            text: JSON.stringify({ test: "data", value: 123 }),
          },
        },
      ],
    }),
  }),
  test_tool_with_logging: defineOperation({
    type: "query",
    description: "Sends three log messages while it runs (MCP conformance: tools-call-with-logging).",
    input: NoInput,
    handler: async (_input, ctx) => {
      ctx.log("info", "Tool execution started");
      await pause(50, ctx.signal);
      ctx.log("info", "Tool processing data");
      await pause(50, ctx.signal);
      ctx.log("info", "Tool execution completed");
      return { content: [{ type: "text", text: "Tool with logging executed successfully" }] };
    },
  }),
  test_tool_with_progress: defineOperation({
    type: "query",
    description: "Reports progress 0, 50 and 100 of 100 (MCP conformance: tools-call-with-progress).",
    input: NoInput,
    handler: async (_input, ctx) => {
      ctx.progress(0, 100);
      await pause(50, ctx.signal);
      ctx.progress(50, 100);
      await pause(50, ctx.signal);
      ctx.progress(100, 100);
      return { content: [{ type: "text", text: "Tool with progress executed successfully" }] };
    },
  }),
  test_reconnection: defineOperation({
    type: "query",
    description:
      "Answers after 1.5 s, long enough for a hub with mcp.ssePollMs to close the call's event stream first; the client resumes it with Last-Event-ID (MCP conformance: server-sse-polling).",
    input: NoInput,
    handler: async (_input, ctx) => {
      await pause(1_500, ctx.signal);
      return { content: [{ type: "text", text: "Reconnection test completed" }] };
    },
  }),
  json_schema_2020_12_tool: defineOperation({
    type: "query",
    description:
      "Declares an input schema with JSON Schema 2020-12 keywords (MCP conformance: json-schema-2020-12).",
    input: Type.Unsafe<Record<string, unknown>>(JSON_SCHEMA_2020_12_INPUT),
    handler: (input) => ({ content: [{ type: "text", text: JSON.stringify(input) }] }),
  }),
  test_logging_tool: defineOperation({
    type: "query",
    description:
      "Sends a log message, then answers (MCP conformance 2026-07-28: server-stateless checks that no log message flows to a request that set no log level).",
    input: NoInput,
    handler: async (_input, ctx) => {
      ctx.log("info", "Tool execution started");
      await pause(50, ctx.signal);
      return { content: [{ type: "text", text: "Logged" }] };
    },
  }),
  test_header_param: defineOperation({
    type: "query",
    description:
      "Echoes its region, which clients also send as the Mcp-Param-Region header (MCP conformance 2026-07-28: http-custom-header-server-validation).",
    input: Type.Object({ region: Type.String({ "x-mcp-header": "Region" }) }),
    handler: (input) => ({ content: [{ type: "text", text: `Region: ${input.region}` }] }),
  }),
  greet: defineOperation({
    type: "query",
    description:
      "Greets someone at once (MCP conformance, tasks extension: a tool that never becomes a task).",
    input: Type.Object({ name: Type.String() }),
    handler: (input) => ({ content: [{ type: "text", text: `Hello, ${input.name}!` }] }),
  }),
  slow_compute: defineOperation({
    type: "query",
    description:
      "Sleeps `seconds` seconds, then answers (MCP conformance, tasks extension: long enough, it becomes a task).",
    input: Type.Object({ seconds: Type.Number({ minimum: 0 }), label: Type.Optional(Type.String()) }),
    handler: async (input, ctx) => {
      await pause(input.seconds * 1_000, ctx.signal);
      return {
        content: [{ type: "text", text: `Computed ${input.label ?? "result"} after ${input.seconds} s` }],
      };
    },
  }),
  failing_job: defineOperation({
    type: "query",
    description:
      "Reports a tool error after a second (MCP conformance, tasks extension: a task that completes with isError).",
    input: NoInput,
    handler: async (_input, ctx) => {
      await pause(1_000, ctx.signal);
      throw new HubError("JOB_FAILED", "This job always fails");
    },
  }),
  protocol_error_job: defineOperation({
    type: "query",
    description:
      "Crashes after a second with an unexpected exception (MCP conformance, tasks extension: a task that fails).",
    input: NoInput,
    handler: async (_input, ctx) => {
      await pause(1_000, ctx.signal);
      throw new Error("the handler crashed");
    },
  }),
  test_error_handling: defineOperation({
    type: "query",
    description: "Always fails (MCP conformance: tools-call-error).",
    input: NoInput,
    handler: () => {
      throw new HubError("TEST_ERROR", "This tool intentionally returns an error for testing");
    },
  }),
};

/** The tool `test_trigger_tool_change` adds and removes in turn. */
const dynamicTool = defineOperation({
  type: "query",
  description: "Comes and goes with each test_trigger_tool_change call (MCP conformance 2026-07-28).",
  input: NoInput,
  handler: () => ({ content: [{ type: "text", text: "Still here" }] }),
});

/**
 * The conformance tools plus `test_trigger_tool_change`, which re-registers them with `test_dynamic_tool` added
 * or removed, so listen streams of `/mcp/spokes/<name>` hear `notifications/tools/list_changed`
 * (server-stateless, 2026-07-28). `spoke` returns the connected spoke (undefined before it is).
 */
export function conformanceOperationsWithTrigger(
  spoke: () => Spoke | undefined,
): Record<string, AnyOperationDef> {
  let withDynamic = false;
  const operations: Record<string, AnyOperationDef> = {
    ...conformanceOperations,
    test_trigger_tool_change: defineOperation({
      type: "mutation",
      description:
        "Changes this spoke's tool list (MCP conformance 2026-07-28: server-stateless, listen streams).",
      input: NoInput,
      handler: async () => {
        const connected = spoke();
        if (!connected) throw new HubError("UNAVAILABLE", "the spoke is not connected yet");
        withDynamic = !withDynamic;
        await connected.setOperations(
          withDynamic ? { ...operations, test_dynamic_tool: dynamicTool } : operations,
        );
        return {
          content: [
            { type: "text", text: withDynamic ? "Added test_dynamic_tool" : "Removed test_dynamic_tool" },
          ],
        };
      },
    }),
  };
  return operations;
}
