import { expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { HubError } from "../protocol/index.ts";
import { buildOperationSpecs, defineOperation } from "./define.ts";
import { toWireError } from "./incoming.ts";
import { connectSpoke } from "./spoke.ts";

const read = defineOperation({
  type: "query",
  description: "Reads a file",
  title: "Read",
  tags: ["fs"],
  annotations: { readOnly: true },
  input: Type.Object({ path: Type.String() }),
  output: Type.String(),
  handler: ({ path }) => path.toUpperCase(),
});

test("specs carry plain JSON Schema (no TypeBox symbols) and the docs", () => {
  const [spec] = buildOperationSpecs("dev1", { "fs.read": read });
  expect(spec).toEqual({
    name: "fs.read",
    type: "query",
    description: "Reads a file",
    title: "Read",
    tags: ["fs"],
    annotations: { readOnly: true },
    inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
    outputSchema: { type: "string" },
  });
  expect(Object.getOwnPropertySymbols(spec?.inputSchema ?? {})).toEqual([]);
});

test("bad names and definitions are refused, naming the option", () => {
  expect(() => buildOperationSpecs("dev1", { "fs..read": read })).toThrow(
    'options.operations["fs..read"]: operation name "fs..read": segment 2 "" must match',
  );
  expect(() => buildOperationSpecs("dev1", { x: { ...read, handler: undefined as never } })).toThrow(
    'options.operations["x"].handler must be a function',
  );
  expect(() =>
    buildOperationSpecs(`d${"x".repeat(40)}`, { [`${"a".repeat(45)}.${"b".repeat(45)}`]: read }),
  ).toThrow("is longer than 128 characters");
});

test("toWireError keeps HubErrors, domain codes, and falls back to EXECUTION_ERROR", () => {
  expect(toWireError(new HubError("NAME_TAKEN", "taken", { details: { a: 1 } }))).toEqual({
    code: "NAME_TAKEN",
    message: "taken",
    details: { a: 1 },
  });
  expect(toWireError(Object.assign(new Error("gone"), { code: "ENOENT" }))).toEqual({
    code: "ENOENT",
    message: "gone",
  });
  expect(toWireError(Object.assign(new Error("x"), { code: "bad code" }))).toEqual({
    code: "EXECUTION_ERROR",
    message: "x",
  });
  expect(toWireError("plain string")).toEqual({ code: "EXECUTION_ERROR", message: "plain string" });
});

test("types: inline definitions infer the handler input; defineOperation also types the output", () => {
  // Compiled by `tsc`, never run: each @ts-expect-error fails the type check if inference regresses.
  const typeOnly = () => {
    void connectSpoke({
      url: "ws://127.0.0.1:1/ws",
      token: "k",
      name: "types",
      operations: {
        a: {
          type: "query",
          description: "",
          input: Type.Object({ n: Type.Number() }),
          handler: ({ n }) => n.toFixed(1),
        },
        b: {
          type: "subscription",
          description: "",
          input: Type.Object({ s: Type.String() }),
          async *handler({ s }) {
            // @ts-expect-error s is a string
            yield s.toFixed(1);
          },
        },
      },
    });
    const typed = defineOperation({
      type: "query",
      description: "",
      input: Type.Object({}),
      output: Type.String(),
      handler: () => "ok",
    });
    // @ts-expect-error the handler's result is typed from the output schema (string)
    const wrong: Promise<number> = Promise.resolve(typed.handler({}, {} as never));
    void wrong;
  };
  expect(typeof typeOnly).toBe("function");
});
