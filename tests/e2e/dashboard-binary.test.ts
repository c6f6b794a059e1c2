// alkhub-test: once
/**
 * The compiled binary serves the dashboard with nothing beside it (the bundle is embedded): /ui, its hashed
 * script and style sheet under the Content-Security-Policy, and the session endpoint, from a binary started in
 * an empty environment with only its config and master key.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ServingHub, serveBinary, waitForReady } from "../support/binary.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { describeWithServices } from "../support/services.ts";

describeWithServices("compiled binary serves /ui", () => {
  let files: HubFiles;
  let hub: ServingHub;

  beforeAll(async () => {
    files = await writeHubFiles({ mode: "services" });
    hub = await serveBinary(files.configPath, files.keyPath);
    await waitForReady(hub, "binary", 60_000);
  }, 90_000);
  afterAll(async () => {
    await hub?.stop();
    await files?.cleanup();
  });

  test("the shell and its assets come from the binary", async () => {
    const page = await fetch(`${hub.url}/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((match) => match[1]);
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const response = await fetch(`${hub.url}${asset}`);
      expect(response.status).toBe(200);
      expect((await response.text()).length).toBeGreaterThan(1000);
    }
    const who = await fetch(`${hub.url}/ui/session`, { headers: { "x-alkhub-csrf": "1" } });
    expect(await who.json()).toEqual({ signedIn: false });
  });
});
