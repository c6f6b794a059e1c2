import { expect, test } from "bun:test";
import type { HubError } from "../protocol/index.ts";
import { jsonDepthExceeds } from "../protocol/index.ts";
import { parseJsonBody, readBodyText } from "./body.ts";

function streamed(chunks: number, size: number): { request: Request; pulled: () => number } {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= chunks) return controller.close();
      pulled++;
      controller.enqueue(new Uint8Array(size).fill(97));
    },
  });
  return { request: new Request("http://localhost/x", { method: "POST", body }), pulled: () => pulled };
}

test("a body within the limit is read whole", async () => {
  expect(await readBodyText(new Request("http://localhost/x", { method: "POST", body: "héllo" }), 100)).toBe(
    "héllo",
  );
});

test("a declared length over the limit is refused before reading", async () => {
  const request = new Request("http://localhost/x", {
    method: "POST",
    body: "x",
    headers: { "content-length": "999999" },
  });
  expect(((await readBodyText(request, 100)) as HubError).code).toBe("PAYLOAD_TOO_LARGE");
});

test("a streamed body is cut off at the limit, not read to its end", async () => {
  const { request, pulled } = streamed(1000, 64 * 1024);
  const result = await readBodyText(request, 1024 * 1024);
  expect((result as HubError).code).toBe("PAYLOAD_TOO_LARGE");
  expect(pulled()).toBeLessThan(40);
});

test("nesting is counted on the text, strings and escapes skipped", () => {
  expect(jsonDepthExceeds(`${"[".repeat(300)}${"]".repeat(300)}`, 256)).toBe(true);
  expect(jsonDepthExceeds(`["${"[".repeat(300)}\\"["]`, 256)).toBe(false);
  expect((parseJsonBody(`${"[".repeat(100_000)}${"]".repeat(100_000)}`, 256) as HubError).code).toBe(
    "VALIDATION_ERROR",
  );
  expect(parseJsonBody('{"a":[1]}', 256)).toEqual({ a: [1] });
});
