import { describe, expect, test } from "bun:test";
import { hasNextVersionHeader, isNextWireBody, NEXT_PROTOCOL_VERSION, validateNextRequest } from "./wire.ts";

const META = {
  "io.modelcontextprotocol/protocolVersion": NEXT_PROTOCOL_VERSION,
  "io.modelcontextprotocol/clientCapabilities": {},
};

function post(headers: Record<string, string> = {}): Request {
  return new Request("http://hub/mcp", {
    method: "POST",
    headers: { "mcp-protocol-version": NEXT_PROTOCOL_VERSION, ...headers },
  });
}

async function errorOf(
  answer: unknown,
): Promise<{ status: number; code: number; id: unknown; data: unknown }> {
  expect(answer).toBeInstanceOf(Response);
  const response = answer as Response;
  const body = (await response.json()) as { id: unknown; error: { code: number; data?: unknown } };
  return { status: response.status, code: body.error.code, id: body.id, data: body.error.data };
}

describe("telling the wires apart", () => {
  test("2025-11-25 requests and initialize stay with the SDK; 2026-07-28 ones do not", () => {
    const plain = new Request("http://hub/mcp", {
      method: "POST",
      headers: { "mcp-protocol-version": "2025-11-25" },
    });
    const bare = new Request("http://hub/mcp", { method: "POST" });
    const listTools = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    expect(isNextWireBody(listTools) || hasNextVersionHeader(plain, listTools)).toBe(false);
    expect(
      isNextWireBody({ method: "initialize", id: 1 }) || hasNextVersionHeader(bare, { method: "initialize" }),
    ).toBe(false);
    expect(hasNextVersionHeader(post(), listTools)).toBe(true);
    expect(isNextWireBody({ method: "server/discover", id: 1 })).toBe(true);
    expect(isNextWireBody({ method: "tools/list", id: 1, params: { _meta: META } })).toBe(true);
    expect(
      isNextWireBody([{ method: "tools/list" }]) || hasNextVersionHeader(post(), [{ method: "tools/list" }]),
    ).toBe(false);
  });
});

describe("validateNextRequest", () => {
  test("a complete request passes with its id, method, params and _meta", () => {
    const next = validateNextRequest(post(), {
      jsonrpc: "2.0",
      id: 7,
      method: "tools/list",
      params: { _meta: META },
    });
    expect(next).toEqual({ id: 7, method: "tools/list", params: { _meta: META }, meta: META });
  });

  test("missing _meta or its required members: -32602, 400, with the request's id", async () => {
    expect(
      await errorOf(validateNextRequest(post(), { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} })),
    ).toMatchObject({ status: 400, code: -32602, id: 1 });
    const noCapabilities = { "io.modelcontextprotocol/protocolVersion": NEXT_PROTOCOL_VERSION };
    expect(
      await errorOf(
        validateNextRequest(post(), {
          jsonrpc: "2.0",
          id: "a",
          method: "tools/list",
          params: { _meta: noCapabilities },
        }),
      ),
    ).toMatchObject({ status: 400, code: -32602, id: "a" });
  });

  test("header and _meta versions that differ: -32020; an unknown version: -32022 naming the supported ones", async () => {
    const v999 = { ...META, "io.modelcontextprotocol/protocolVersion": "v999" };
    expect(
      await errorOf(
        validateNextRequest(post(), { jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: v999 } }),
      ),
    ).toMatchObject({ status: 400, code: -32020 });
    const unknown = await errorOf(
      validateNextRequest(post({ "mcp-protocol-version": "v999" }), {
        jsonrpc: "2.0",
        id: 3,
        method: "tools/list",
        params: { _meta: v999 },
      }),
    );
    expect(unknown).toMatchObject({ status: 400, code: -32022, id: 3 });
    expect((unknown.data as { supported: string[]; requested: string }).requested).toBe("v999");
    expect((unknown.data as { supported: string[] }).supported).toContain(NEXT_PROTOCOL_VERSION);
    expect((unknown.data as { supported: string[] }).supported).toContain("2025-11-25");
  });

  test("a notification or a non-request is refused", async () => {
    expect(
      await errorOf(validateNextRequest(post(), { jsonrpc: "2.0", method: "tools/list" })),
    ).toMatchObject({ status: 400, code: -32600 });
    expect(await errorOf(validateNextRequest(post(), { id: 1, method: "tools/list" }))).toMatchObject({
      status: 400,
      code: -32600,
    });
  });
});
