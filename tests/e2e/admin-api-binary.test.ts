// alkhub-test: once
/**
 * The compiled binary serves the API description with nothing beside it: `GET /api/docs` (the page with the
 * document, style and script inline) and `GET /api/v1/openapi.json`, from a process run with an empty
 * environment. Run once: the binary is the same in both modes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ServingHub, serveBinary } from "../support/binary.ts";
import { eventually } from "../support/eventually.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";

let files: HubFiles;
let hub: ServingHub | undefined;

beforeAll(async () => {
  files = await writeHubFiles({ mode: "embedded" });
  hub = await serveBinary(files.configPath, files.keyPath);
  await eventually(async () => expect((await hub?.health())?.code).toBe(200), { timeoutMs: 30_000 });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await files?.cleanup();
}, 30_000);

test("the binary serves /api/docs and /api/v1/openapi.json", async () => {
  const url = hub?.url as string;
  const documentAnswer = await fetch(`${url}/api/v1/openapi.json`);
  expect(documentAnswer.status).toBe(200);
  const document = (await documentAnswer.json()) as { openapi: string; paths: Record<string, unknown> };
  expect(document.openapi).toBe("3.1.0");
  expect(Object.keys(document.paths)).toEqual(
    expect.arrayContaining(["/keys", "/secrets/rotate", "/spokes"]),
  );

  const page = await fetch(`${url}/api/docs`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('<script type="application/json" id="openapi">');
  expect(html).toContain("function render()");
  const inline = /<script type="application\/json" id="openapi">([\s\S]*?)<\/script>/.exec(html)?.[1];
  expect(JSON.parse(inline as string)).toEqual(document);
}, 30_000);
