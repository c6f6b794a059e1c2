import { describe, expect, test } from "bun:test";
import { checkParamHeaders, checkRoutingHeaders, decodeParamHeader } from "./routing-headers.ts";
import type { NextRequest } from "./wire.ts";

const call = (name: string, args: Record<string, unknown> = {}): NextRequest => ({
  id: 1,
  method: "tools/call",
  params: { name, arguments: args },
  meta: {},
});

function request(headers: Record<string, string>): Request {
  return new Request("http://hub/mcp", { method: "POST", headers });
}

async function code(answer: Response | undefined): Promise<number | undefined> {
  if (!answer) return undefined;
  expect(answer.status).toBe(400);
  return ((await answer.json()) as { error: { code: number } }).error.code;
}

describe("checkRoutingHeaders", () => {
  test("Mcp-Method and Mcp-Name must be present and equal to the body (names case-insensitive, values exact)", async () => {
    expect(
      checkRoutingHeaders(request({ "MCP-METHOD": "tools/call", "mcp-name": "  echo  " }), call("echo")),
    ).toBeUndefined();
    expect(await code(checkRoutingHeaders(request({ "mcp-name": "echo" }), call("echo")))).toBe(-32020);
    expect(
      await code(
        checkRoutingHeaders(request({ "mcp-method": "TOOLS/CALL", "mcp-name": "echo" }), call("echo")),
      ),
    ).toBe(-32020);
    expect(await code(checkRoutingHeaders(request({ "mcp-method": "tools/call" }), call("echo")))).toBe(
      -32020,
    );
    expect(
      await code(
        checkRoutingHeaders(request({ "mcp-method": "tools/call", "mcp-name": "other" }), call("echo")),
      ),
    ).toBe(-32020);
  });
});

describe("checkParamHeaders", () => {
  const schema = { type: "object", properties: { region: { type: "string", "x-mcp-header": "Region" } } };

  test("an x-mcp-header argument must travel as Mcp-Param-<name>, literally or as valid Base64", async () => {
    const args = { region: "Hello" };
    expect(
      checkParamHeaders(request({ "mcp-param-region": "Hello" }), call("t", args), schema, args),
    ).toBeUndefined();
    expect(
      checkParamHeaders(
        request({ "mcp-param-region": "=?base64?SGVsbG8=?=" }),
        call("t", args),
        schema,
        args,
      ),
    ).toBeUndefined();
    expect(
      await code(
        checkParamHeaders(
          request({ "mcp-param-region": "=?base64?SGVsbG8?=" }),
          call("t", args),
          schema,
          args,
        ),
      ),
    ).toBe(-32020);
    expect(await code(checkParamHeaders(request({}), call("t", args), schema, args))).toBe(-32020);
    expect(
      await code(checkParamHeaders(request({ "mcp-param-region": "Bye" }), call("t", args), schema, args)),
    ).toBe(-32020);
    // An argument that is not sent needs no header.
    expect(checkParamHeaders(request({}), call("t"), schema, {})).toBeUndefined();
  });

  test("decodeParamHeader: only the full =?base64?…?= form is Base64", () => {
    expect(decodeParamHeader("=?base64?SGVsbG8=?=")).toBe("Hello");
    expect(decodeParamHeader("SGVsbG8=")).toBe("SGVsbG8=");
    expect(decodeParamHeader("=?base64?SGVsbG8=")).toBe("=?base64?SGVsbG8=");
    expect(decodeParamHeader("=?base64?SGVs!!!bG8=?=")).toBeUndefined();
  });
});
