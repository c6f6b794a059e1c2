import { describe, expect, test } from "bun:test";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { buildOperationSpecs } from "../sdk/index.ts";
import { refusedOperation, toolOperations } from "./tool-operations.ts";

const object = { type: "object" as const, properties: {} };
const never = () => Promise.reject(new Error("not called"));

describe("tools as operations", () => {
  test("schemas, title, description and annotations are carried over; read-only tools are queries", () => {
    const tools: Tool[] = [
      {
        name: "weather",
        title: "Weather",
        description: "Today's weather",
        inputSchema: { type: "object", properties: { city: { type: "string" } } },
        outputSchema: { type: "object", properties: { temperature: { type: "number" } } },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      { name: "write", inputSchema: object, annotations: { destructiveHint: true } },
    ];
    const { operations, skipped } = toolOperations(tools, never);
    expect(skipped).toEqual([]);
    const [weather, write] = buildOperationSpecs("ev", operations);
    expect(weather).toEqual({
      name: "weather",
      type: "query",
      description: "Today's weather",
      title: "Weather",
      tags: ["mcp"],
      annotations: { readOnly: true, openWorld: false },
      inputSchema: tools[0]!.inputSchema,
      outputSchema: tools[0]!.outputSchema,
    });
    expect(write?.type).toBe("mutation");
    expect(write?.annotations).toEqual({ destructive: true });
  });

  test("renamed tools are recorded; the handler calls the tool by its own name", async () => {
    const calls: string[] = [];
    const { operations, renamed } = toolOperations(
      [{ name: "fs/read", inputSchema: object }],
      async (tool) => {
        calls.push(tool);
        return { content: [] };
      },
    );
    expect(renamed.get("x_fs_2fread")).toBe("fs/read");
    const def = operations.x_fs_2fread;
    if (!def || def.type === "subscription") throw new Error("no query");
    await def.handler({}, {} as never);
    expect(calls).toEqual(["fs/read"]);
  });

  test("unusable tools are skipped with an error naming them", () => {
    const { operations, skipped } = toolOperations(
      [
        { name: "arr", inputSchema: { type: "array" } as unknown as Tool["inputSchema"] },
        { name: "big", inputSchema: { type: "object", description: "x".repeat(200) } },
        { name: "a", inputSchema: object },
        { name: "a", inputSchema: object },
      ],
      never,
      100,
    );
    expect(Object.keys(operations)).toEqual(["a"]);
    expect(skipped.map((s) => s.error)).toEqual([
      'tool "arr": inputSchema must be a JSON Schema of type "object"',
      expect.stringContaining('tool "big": inputSchema is'),
      'tool "a" maps to "a", which another tool has',
    ]);
  });

  test("the operation a registration refusal names is found by name or by index", () => {
    const names = ["echo", "bad", "other"];
    expect(refusedOperation('operation "bad": inputSchema does not compile: x', names)).toBe("bad");
    expect(refusedOperation("input.operations[2].inputSchema is 70000 bytes", names)).toBe("other");
    expect(refusedOperation("the spoke name is taken", names)).toBeUndefined();
  });
});
