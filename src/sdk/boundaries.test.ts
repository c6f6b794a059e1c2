/**
 * `protocol/` and `sdk/` must run in Bun, Node ≥ 22 and browsers: they import only each other (sdk → protocol
 * through its index) and `@sinclair/typebox` — and `sdk/otel.ts` the optional `@opentelemetry/api`, dynamically —
 * and use no runtime-specific globals. Checked by reading the files.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "..");
const files = (folder: string) =>
  readdirSync(join(SRC, folder))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .map((file) => join(SRC, folder, file));

// Static imports and re-exports (`from "x"`), side-effect imports and dynamic `import("x")`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(SPECIFIER)].map((match) => match[1] as string);
}

function problems(folder: "protocol" | "sdk"): string[] {
  const found: string[] = [];
  for (const file of files(folder)) {
    const name = relative(SRC, file);
    const text = readFileSync(file, "utf8");
    for (const spec of specifiers(file)) {
      if (spec.startsWith(".")) {
        const target = relative(SRC, resolve(file, "..", spec));
        const inside = target.startsWith(`${folder}/`);
        const viaProtocolIndex = folder === "sdk" && target === "protocol/index.ts";
        if (!inside && !viaProtocolIndex) found.push(`${name} imports ${spec}`);
      } else if (folder === "sdk" && spec === "@opentelemetry/api" && name === "sdk/otel.ts") {
        // The SDK's one optional peer: imported dynamically in one file, and the SDK runs without it.
      } else if (spec !== "@sinclair/typebox" && !spec.startsWith("@sinclair/typebox/")) {
        found.push(`${name} imports package ${spec}`);
      }
    }
    for (const global of [/\bprocess\./, /\bBuffer\b/, /\brequire\(/, /\bBun\.\w/, /\bDeno\./]) {
      if (global.test(text)) found.push(`${name} uses ${global.source}`);
    }
  }
  return found;
}

test("protocol/ imports only itself and @sinclair/typebox, and no runtime globals", () => {
  expect(files("protocol").length).toBeGreaterThan(5);
  expect(problems("protocol")).toEqual([]);
});

test("sdk/ imports only itself, protocol/index.ts, @sinclair/typebox (and the optional OpenTelemetry API), and no runtime globals", () => {
  expect(files("sdk").length).toBeGreaterThan(5);
  expect(problems("sdk")).toEqual([]);
});

test("the checker itself catches a forbidden import", () => {
  const sample =
    'import { x } from "node:fs";\nexport * from "../http/index.ts";\nawait import("bun:sqlite");';
  expect([...sample.matchAll(SPECIFIER)].map((match) => match[1])).toEqual([
    "node:fs",
    "../http/index.ts",
    "bun:sqlite",
  ]);
});

test("the OpenTelemetry API is only ever imported dynamically, by a name bundlers leave alone", () => {
  const text = readFileSync(join(SRC, "sdk", "otel.ts"), "utf8");
  expect(text).toContain('OTEL_API_PACKAGE = "@opentelemetry/api"');
  expect(text).toMatch(/import\([^)]*OTEL_API_PACKAGE\)/);
  for (const file of files("sdk")) expect(specifiers(file)).not.toContain("@opentelemetry/api");
});
