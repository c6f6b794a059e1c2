import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { referencePage } from "./reference-page.ts";
import { REFERENCE_SCRIPT } from "./reference-script.ts";

const doc = {
  openapi: "3.1.0",
  info: { title: "t", version: "1", description: "</script><script>alert(1)</script>" },
  paths: {},
};

test("the page carries the document inline, unable to close its script element", () => {
  const { html } = referencePage(doc);
  const block = /<script type="application\/json" id="openapi">([\s\S]*?)<\/script>/.exec(html)?.[1];
  expect(block).toBeDefined();
  expect(JSON.parse(block as string)).toEqual(doc);
  expect(block).not.toContain("</script>");
});

test("self-contained: no URL to load from anywhere; the CSP allows exactly the inline script", () => {
  const { html, contentSecurityPolicy } = referencePage(doc);
  expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
  expect(html).not.toMatch(/@import|url\(/);
  const hash = createHash("sha256").update(REFERENCE_SCRIPT, "utf8").digest("base64");
  expect(contentSecurityPolicy).toContain(`script-src 'sha256-${hash}'`);
  expect(contentSecurityPolicy).toContain("default-src 'none'");
  expect(html).toContain(`<script>${REFERENCE_SCRIPT}</script>`);
});

test("the script is valid JavaScript", () => {
  expect(() => new Function(REFERENCE_SCRIPT)).not.toThrow();
});
