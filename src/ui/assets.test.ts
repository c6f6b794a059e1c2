import { expect, test } from "bun:test";
import { generateUiAssetsModule } from "../../scripts/gen-ui.ts";
import { UI_BUILD } from "./assets.gen.ts";
import { uiAsset, uiIndexHtml } from "./assets.ts";

test("the committed bundle matches the client sources (run `bun scripts/gen-ui.ts` when this fails)", async () => {
  const committed = await Bun.file(new URL("./assets.gen.ts", import.meta.url)).text();
  expect(await generateUiAssetsModule()).toBe(committed);
}, 30_000);

test("the shell loads only the hashed script and style sheet, with no inline script or style", () => {
  const html = uiIndexHtml();
  expect(html).toContain(`<script type="module" src="/ui/assets/${UI_BUILD.script}"></script>`);
  expect(html).toContain(`<link rel="stylesheet" href="/ui/assets/${UI_BUILD.style}">`);
  expect(html).not.toMatch(/<script>|<style|style=/);
  expect(html).not.toMatch(/https?:\/\//);
});

test("assets are served by hashed name only, gzipped once", () => {
  const script = uiAsset(UI_BUILD.script);
  expect(script?.contentType).toStartWith("text/javascript");
  expect(new TextDecoder().decode(Bun.gunzipSync(script!.gzip))).toBe(script!.body);
  expect(uiAsset("main.ts")).toBeUndefined();
  expect(uiAsset("../assets.gen.ts")).toBeUndefined();
  expect(uiAsset("constructor")).toBeUndefined();
});

test("the browser code imports nothing outside src/ui/client/ (it runs in the page, not the hub)", async () => {
  const root = new URL("./client/", import.meta.url).pathname;
  for (const file of new Bun.Glob("**/*.ts").scanSync(root)) {
    const text = await Bun.file(`${root}${file}`).text();
    for (const [, specifier] of text.matchAll(/\bfrom\s*["']([^"']+)["']/g)) {
      const depth = file.split("/").length - 1;
      const ups = (specifier?.match(/\.\.\//g) ?? []).length;
      expect({ file, specifier, inside: specifier?.startsWith(".") && ups <= depth }).toEqual({
        file,
        specifier,
        inside: true,
      });
    }
  }
});
