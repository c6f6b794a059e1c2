import { expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import {
  BATCH_SUBPROTOCOL,
  bearerSubprotocols,
  checkRegisterInput,
  DEFAULT_SPOKE_LIMITS,
  isHubOperation,
  parseSubprotocolHeader,
  registerOutputChecker,
  SUBPROTOCOL,
} from "./index.ts";

const op = (name: string, extra: object = {}) => ({
  name,
  type: "query",
  description: "d",
  inputSchema: Type.Object({ path: Type.String() }),
  ...extra,
});

test("a full register input passes", () => {
  const input = {
    name: "dev1",
    kind: "dev-env",
    hostInfo: { os: "linux" },
    operations: [op("fs.readFile", { annotations: { readOnly: true, maxConcurrency: 2 } })],
    maxConcurrency: 8,
    takeover: true,
    visibility: "owner",
  };
  expect(checkRegisterInput(input)).toEqual({ ok: true, value: input as never });
});

test("register input problems are named with their path", () => {
  const cases: [unknown, string][] = [
    [{ operations: [] }, "input.name is required"],
    [{ name: "hub", operations: [] }, 'spoke name "hub" is reserved'],
    [
      { name: "dev1", operations: [op("a", { type: "stream" })] },
      'input.operations[0].type must be one of "query", "mutation", "subscription"',
    ],
    [{ name: "dev1", operations: [op("a"), op("a")] }, 'input.operations[1]: duplicate name "a"'],
    [
      { name: "dev1", operations: [], visibility: "all" },
      'input.visibility must be one of "public", "owner"',
    ],
    [
      {
        name: "dev1",
        operations: [op("a", { inputSchema: { type: "object", description: "x".repeat(70_000) } })],
      },
      "input.operations[0].inputSchema is 70034 bytes; at most 65536 allowed",
    ],
  ];
  for (const [input, error] of cases) expect(checkRegisterInput(input)).toEqual({ ok: false, error });
  const many = { name: "dev1", operations: [op("a"), op("b")] };
  expect(checkRegisterInput(many, { ...DEFAULT_SPOKE_LIMITS, maxOperations: 1 })).toEqual({
    ok: false,
    error: "input.operations has 2 entries; at most 1 allowed",
  });
});

test("register output checker", () => {
  const output = { spokeId: "s", name: "dev1", heartbeatMs: 10_000, limits: DEFAULT_SPOKE_LIMITS };
  expect(registerOutputChecker().check(output)).toBe(true);
  expect(registerOutputChecker().explain({ ...output, limits: {} }, "output")).toBe(
    "output.limits.maxFrameBytes is required",
  );
});

test("subprotocols carry the version and the key; the header parser reads them back", () => {
  expect(bearerSubprotocols("k1")).toEqual(["alkhub.v1", "alkhub.bearer.k1"]);
  expect(SUBPROTOCOL).toBe("alkhub.v1");
  expect(parseSubprotocolHeader("alkhub.v1, alkhub.bearer.k1")).toEqual({
    version: true,
    batch: false,
    token: "k1",
  });
  expect(parseSubprotocolHeader("alkhub.v1.batch, alkhub.v1")).toEqual({
    version: true,
    batch: true,
    token: undefined,
  });
  expect(BATCH_SUBPROTOCOL).toBe("alkhub.v1.batch");
  expect(parseSubprotocolHeader("chat")).toEqual({ version: false, batch: false, token: undefined });
  expect(parseSubprotocolHeader(null)).toEqual({ version: false, batch: false, token: undefined });
  expect(parseSubprotocolHeader("alkhub.bearer.")).toEqual({
    version: false,
    batch: false,
    token: undefined,
  });
  expect(isHubOperation("hub.list")).toBe(true);
  expect(isHubOperation("hubx.list")).toBe(false);
});
