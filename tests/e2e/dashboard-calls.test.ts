/**
 * The dashboard's Calls page pages through the audit trail (#17): with more calls than fit one page (the UI asks
 * for 50), "Older" shows the next page and "Newer" comes back. The oldest 10 calls fail and the newest 50
 * succeed, so the two pages differ in what they say, not only in how many rows they have. Debian's Chromium
 * driven by playwright-core against a real hub and a real SDK spoke; any console error fails the test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import type { Page } from "playwright-core";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { chromiumAvailable, launchBrowser, type TestBrowser } from "../support/browser.ts";
import { eventually } from "../support/eventually.ts";
import { TEST_MODE } from "../support/services.ts";
import { makeKey, type TestKey } from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

/** The Calls page's page size (src/ui/client/pages/calls.ts). */
const UI_PAGE_SIZE = 50;
const FAILED_CALLS = 10;
const OPERATION = "pager-1.work.run";
const WAIT_MS = 20_000;
setDefaultTimeout(90_000);

if (!chromiumAvailable() && process.env.CI === "true") {
  throw new Error("chromium is not installed (.ci/run installs it with apt-get)");
}
const describeWithBrowser = chromiumAvailable() ? describe : describe.skip;

describeWithBrowser(`dashboard Calls paging in Chromium (${TEST_MODE})`, () => {
  let testHub: TestHub;
  let browser: TestBrowser;
  let page: Page;
  let admin: TestKey;
  let spoke: Spoke | undefined;

  /** Makes one call over HTTP; `fail` makes the spoke's handler throw. */
  const callOnce = async (caller: TestKey, fail: boolean) => {
    const response = await fetch(`${testHub.url}/api/v1/operations/${OPERATION}/call`, {
      method: "POST",
      headers: { authorization: `Bearer ${caller.key}`, "content-type": "application/json" },
      body: JSON.stringify({ fail }),
    });
    await response.arrayBuffer();
    expect(response.ok).toBe(!fail);
  };

  /** The outcomes shown in the Calls table, top to bottom. */
  const outcomes = async () => {
    const rows = page.getByRole("region", { name: "Calls" }).locator("tbody tr");
    return rows.evaluateAll((trs) => trs.map((tr) => tr.children[4]?.textContent?.trim() ?? ""));
  };

  beforeAll(async () => {
    testHub = await startTestHub({ extra: { audit: { flushIntervalMs: 100 } } });
    admin = await makeKey(testHub.hub, { scopes: ["admin"], account: "admin", name: "operator" });
    const spokeKey = await makeKey(testHub.hub, { scopes: ["spoke"], spokeNames: ["pager-*"] });
    const caller = await makeKey(testHub.hub, { scopes: ["call"], name: "caller" });
    spoke = await connectSpoke({
      url: `${testHub.url.replace(/^http/, "ws")}/ws`,
      token: spokeKey.key,
      name: "pager-1",
      operations: {
        "work.run": {
          type: "mutation",
          description: "Succeeds, or fails when asked to",
          input: Type.Object({ fail: Type.Boolean() }),
          handler: async ({ fail }: { fail: boolean }) => {
            if (fail) throw new Error("asked to fail");
            return { done: true };
          },
        },
      },
    });
    // One after another, so the audit's newest-first order is the order made: the oldest 10 fail.
    for (let i = 0; i < FAILED_CALLS + UI_PAGE_SIZE; i++) await callOnce(caller, i < FAILED_CALLS);
    // The audit writes in batches off the call path: wait until every call is a row.
    await eventually(
      async () => {
        const response = await fetch(`${testHub.url}/api/v1/calls?operation=${OPERATION}&limit=500`, {
          headers: { authorization: `Bearer ${admin.key}` },
        });
        const { items } = (await response.json()) as { items: unknown[] };
        return items.length === FAILED_CALLS + UI_PAGE_SIZE;
      },
      { what: "every call in the audit", timeoutMs: WAIT_MS },
    );
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.setDefaultTimeout(WAIT_MS);
  }, 120_000);

  afterEach(() => {
    const errors = browser.errors.splice(0);
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await spoke?.close();
    await browser?.close();
    await testHub?.stop();
  });

  test("Older shows the next page of calls and Newer returns to the first", async () => {
    await page.goto(`${testHub.url}/ui`);
    await page.getByLabel("API key").fill(admin.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Pages" }).waitFor();
    await page.goto(`${testHub.url}/ui#/calls`);
    const pager = page.locator(".pager");
    const older = pager.getByRole("button", { name: "Older" });
    const newer = pager.getByRole("button", { name: "Newer" });

    // Page 1: the newest 50, all successful; nothing newer.
    await pager.getByText("Page 1").waitFor();
    expect(await outcomes()).toEqual(Array(UI_PAGE_SIZE).fill("ok"));
    expect(await newer.isDisabled()).toBe(true);
    expect(await older.isEnabled()).toBe(true);

    // Page 2: the oldest 10, the failed ones; nothing older.
    await older.click();
    await pager.getByText("Page 2").waitFor();
    expect(await outcomes()).toEqual(Array(FAILED_CALLS).fill("error"));
    expect(await older.isDisabled()).toBe(true);

    // Back to page 1, as it was.
    await newer.click();
    await pager.getByText("Page 1").waitFor();
    expect(await outcomes()).toEqual(Array(UI_PAGE_SIZE).fill("ok"));
    expect(await newer.isDisabled()).toBe(true);
  });
});
