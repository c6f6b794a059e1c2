import { expect, test } from "bun:test";
import { fastCallRequest } from "./fast-call.ts";

const request = (headers: Record<string, string> = {}) =>
  new Request("http://localhost/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
  });
const call = (params: unknown, extra: object = {}) => ({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params,
  ...extra,
});

test("a lone tools/call with the required headers takes the fast path", () => {
  expect(fastCallRequest(request(), call({ name: "x", arguments: { a: 1 } }))).toEqual({
    id: 1,
    name: "x",
    arguments: { a: 1 },
    meta: undefined,
  });
  expect(fastCallRequest(request({ "mcp-protocol-version": "2025-11-25" }), call({ name: "x" }))).toEqual({
    id: 1,
    name: "x",
    arguments: {},
    meta: undefined,
  });
});

test("a tools/call whose _meta carries a trace context still takes the fast path, _meta kept", () => {
  const meta = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
  expect(fastCallRequest(request(), call({ name: "x", _meta: meta }))?.meta).toEqual(meta);
});

test("anything else is left to the SDK, which answers it in full", () => {
  const ok = call({ name: "x" });
  expect(fastCallRequest(request(), [ok])).toBeUndefined();
  expect(fastCallRequest(request(), call({ name: "x", _meta: { progressToken: 1 } }))).toBeUndefined();
  expect(fastCallRequest(request(), call({ name: 7 }))).toBeUndefined();
  expect(fastCallRequest(request(), call({ name: "x", arguments: [1] }))).toBeUndefined();
  expect(fastCallRequest(request(), { ...ok, id: 1.5 })).toBeUndefined();
  expect(fastCallRequest(request(), { ...ok, method: "tools/list" })).toBeUndefined();
  expect(fastCallRequest(request({ accept: "application/json" }), ok)).toBeUndefined();
  expect(fastCallRequest(request({ "content-type": "text/plain" }), ok)).toBeUndefined();
  expect(fastCallRequest(request({ "mcp-protocol-version": "1999-01-01" }), ok)).toBeUndefined();
});
