/**
 * The operator dashboard in a real browser (#17 "Done when"): Debian's Chromium driven by playwright-core
 * against a real hub with a real SDK spoke. It signs in with an API key, watches a spoke appear live on the
 * Spokes page, finds an operation by search, calls it through the form generated from its input schema, finds
 * that call on the Calls page, creates a key (secret shown once) and revokes it, sets and deletes a secret, and
 * signs out.
 * A screenshot of each page lands in tests/e2e/screenshots/ (not in git; docs/images/ holds the published
 * ones). Any console error or uncaught exception in the page fails the test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import type { Page } from "playwright-core";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { chromiumAvailable, launchBrowser, type TestBrowser } from "../support/browser.ts";
import { eventually } from "../support/eventually.ts";
import { TEST_MODE } from "../support/services.ts";
import { makeKey, type TestKey } from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const SCREENSHOTS = join(import.meta.dir, "screenshots");
const WAIT_MS = 20_000;
// A browser step on a busy two-core machine: generous, it only bounds how long a failing step takes.
setDefaultTimeout(90_000);

if (!chromiumAvailable() && process.env.CI === "true") {
  throw new Error("chromium is not installed (.ci/run installs it with apt-get)");
}
const describeWithBrowser = chromiumAvailable() ? describe : describe.skip;

describeWithBrowser(`operator dashboard in Chromium (${TEST_MODE})`, () => {
  let testHub: TestHub;
  let browser: TestBrowser;
  let page: Page;
  let admin: TestKey;
  let spokeKey: TestKey;
  let spoke: Spoke | undefined;
  let slowAborted = false;

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const go = async (route: string) => {
    await page.goto(`${testHub.url}/ui#/${route}`);
    await page.locator("main h1").first().waitFor({ timeout: WAIT_MS });
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    testHub = await startTestHub({ extra: { audit: { flushIntervalMs: 100 } } });
    admin = await makeKey(testHub.hub, { scopes: ["admin"], account: "admin", name: "operator" });
    spokeKey = await makeKey(testHub.hub, { scopes: ["spoke"], spokeNames: ["dash-*"], name: "spoke fleet" });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on("dialog", (dialog) => void dialog.accept());
  }, 120_000);

  afterEach(() => {
    // Fail the step that caused it, naming what the page said.
    const errors = browser.errors.splice(0);
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await spoke?.close();
    await browser?.close();
    await testHub?.stop();
  });

  test("signs in with an API key and lands on the overview", async () => {
    await page.goto(`${testHub.url}/ui`);
    const keyField = page.getByLabel("API key");
    await keyField.waitFor();
    // Reported, not asserted (a busy machine says nothing about the page): the target is under a second cold.
    const loadMs = await page.evaluate(() => {
      const [entry] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
      return Math.round(entry?.loadEventEnd ?? -1);
    });
    console.log(`dashboard cold load: ${loadMs} ms`);
    await shot("sign-in");
    // Keyboard only: the key field has focus on load, Enter submits.
    await page.keyboard.type(admin.key);
    await page.keyboard.press("Enter");
    await page.getByRole("navigation", { name: "Pages" }).waitFor();
    await expect(page.getByRole("heading", { name: "Overview", level: 1 }).isVisible()).resolves.toBe(true);
    // The key is not kept by the page: the session lives in an HttpOnly cookie only.
    const stored = await page.evaluate(
      () => JSON.stringify({ ...localStorage, ...sessionStorage }) + document.cookie,
    );
    expect(stored).not.toContain(admin.key);
    expect(stored).not.toContain("alkhub_session");
    const cookies = await browser.context.cookies();
    const session = cookies.find((cookie) => cookie.name === "alkhub_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    await page.getByText("Health").first().waitFor();
    await shot("overview");
  });

  test("watches a spoke appear live on the Spokes page", async () => {
    await go("spokes");
    await page.getByText("No spokes yet").waitFor();
    spoke = await connectSpoke({
      url: `${testHub.url.replace(/^http/, "ws")}/ws`,
      token: spokeKey.key,
      name: "dash-1",
      operations: {
        "text.echo": {
          type: "query",
          title: "Echo text",
          description: "Echoes the text it is given, a number of times",
          input: Type.Object({
            text: Type.String({ description: "What to echo" }),
            times: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
          }),
          handler: async ({ text, times }: { text: string; times?: number }) => ({
            echoed: Array(times ?? 1)
              .fill(text)
              .join(" "),
          }),
        },
        "slow.wait": {
          type: "mutation",
          description: "Waits until it is cancelled",
          input: Type.Object({}),
          handler: (_input: unknown, context: { signal: AbortSignal }) =>
            new Promise((resolve) => {
              context.signal.addEventListener("abort", () => {
                slowAborted = true;
                resolve({ cancelled: true });
              });
            }),
        },
        "disk.usage": {
          type: "query",
          description: "Reports disk usage of a path",
          input: Type.Object({ path: Type.String() }),
          handler: async () => ({ usedBytes: 1234 }),
        },
      },
    });
    // No reload: the page hears of it by itself (event stream, or its refresh while the stream is absent).
    const row = page.getByRole("row").filter({ hasText: "dash-1" });
    await row.waitFor();
    await eventually(async () => (await row.textContent())?.includes("online") ?? false, {
      what: "dash-1 online",
    });
    // Its details: the operations it serves.
    await row.getByRole("button", { name: "dash-1" }).click();
    await page.getByRole("link", { name: "dash-1.disk.usage" }).waitFor();
    await shot("spokes");
  });

  test("finds an operation by search and calls it through the generated form", async () => {
    await go("operations");
    await page.getByLabel("Search operations").fill("echo text");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("link", { name: "dash-1.text.echo" }).click();
    await page.getByRole("heading", { name: "Operation dash-1.text.echo" }).waitFor();
    // The form comes from the input schema: a required text field and an optional whole number.
    await page.getByLabel("text (required)").fill("hello");
    await page.getByLabel("times").fill("2");
    await page.getByRole("button", { name: "Call", exact: true }).click();
    const result = page.getByLabel("Result", { exact: true });
    await result.waitFor();
    expect(JSON.parse((await result.textContent()) ?? "null")).toEqual({ echoed: "hello hello" });
    await shot("operations");
  });

  test("shows a long call's progress and cancels it on the hub", async () => {
    await go("operations?op=dash-1.slow.wait");
    await page.getByRole("heading", { name: "Operation dash-1.slow.wait" }).waitFor();
    await page.getByRole("button", { name: "Call", exact: true }).click();
    await page.getByRole("progressbar", { name: "Call in progress" }).waitFor();
    await page.getByText(/Calling… \d+\.\d s/).waitFor();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByText("Cancelled: the call was aborted.").waitFor();
    // The spoke's handler heard the abort: the call ended on the hub, not only in the page.
    await eventually(() => slowAborted, { what: "the spoke saw the call aborted" });
  });

  test("shows that call on the Calls page", async () => {
    await go("calls");
    await page.getByLabel("Operation").fill("dash-1.text.echo");
    const row = page.getByRole("row").filter({ hasText: "dash-1.text.echo" });
    // The audit is written in batches off the call path: apply the filter until the row is there.
    await eventually(
      async () => {
        await page.getByRole("button", { name: "Apply" }).click();
        return (await row.count()) > 0;
      },
      { what: "the call in the audit trail", intervalMs: 500 },
    );
    expect(await row.first().textContent()).toContain("ok");
    await shot("calls");
  });

  test("creates a key (secret shown once, copied with its button), disables, enables and revokes it", async () => {
    await go("keys");
    await page.getByLabel("Name", { exact: true }).fill("ci reader");
    await page.getByLabel("read", { exact: true }).check();
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = page.locator("#new-key-secret");
    await secret.waitFor();
    const key = (await secret.textContent()) ?? "";
    expect(key).toStartWith("alk_");
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: testHub.url });
    await page.getByRole("button", { name: "Copy key" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await shot("keys-created");
    // The new key works until it is revoked.
    const probe = () =>
      fetch(`${testHub.url}/api/v1/operations`, { headers: { authorization: `Bearer ${key}` } });
    expect((await probe()).status).toBe(200);
    const row = page.getByRole("row").filter({ hasText: "ci reader" });
    // Disabled: refused at once; enabled again: accepted.
    await row.getByRole("button", { name: "Disable key ci reader" }).click();
    await eventually(async () => (await row.textContent())?.includes("disabled") ?? false, {
      what: "disabled",
    });
    expect((await probe()).status).toBe(401);
    await row.getByRole("button", { name: "Enable key ci reader" }).click();
    await eventually(async () => (await row.textContent())?.includes("active") ?? false, { what: "enabled" });
    expect((await probe()).status).toBe(200);
    await row.getByRole("button", { name: "Revoke key ci reader" }).click();
    await eventually(async () => (await row.textContent())?.includes("revoked") ?? false, {
      what: "revoked",
    });
    expect((await probe()).status).toBe(401);
    await shot("keys");
  });

  test("sets a secret, lists it without its value, deletes one", async () => {
    await go("secrets");
    await page.getByLabel("Account", { exact: true }).fill("acme");
    await page.getByLabel("Client", { exact: true }).fill("crm");
    await page.getByLabel("Name", { exact: true }).fill("API_TOKEN");
    await page.getByLabel("Value", { exact: true }).fill("s3cr3t-value-never-shown");
    await page.getByRole("button", { name: "Set secret" }).click();
    const row = page.getByRole("row").filter({ hasText: "API_TOKEN" });
    await row.waitFor();
    expect(await page.content()).not.toContain("s3cr3t-value-never-shown");
    await shot("secrets");
    // Delete one: set a second, then remove it (the dialog is accepted).
    await page.getByLabel("Name", { exact: true }).fill("OLD_TOKEN");
    await page.getByLabel("Value", { exact: true }).fill("old-value");
    await page.getByRole("button", { name: "Set secret" }).click();
    const old = page.getByRole("row").filter({ hasText: "OLD_TOKEN" });
    await old.waitFor();
    await old.getByRole("button", { name: "Delete secret OLD_TOKEN of acme/crm" }).click();
    await old.waitFor({ state: "detached" });
    expect(await row.count()).toBe(1);
  });

  test("the overview charts the calls made", async () => {
    await go("overview");
    // The call made above shows in the last buckets (the stats route counts per 10 s).
    await page.getByText(/Calls per second: [0-9.]+\/s now, peak 0\.[1-9]/).waitFor();
    await shot("overview");
  });

  test("fits a phone screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await go("overview");
    await page.getByText("Health").first().waitFor();
    // Nothing wider than the screen: no sideways scrolling of the whole page.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot("phone-overview");
    await go("spokes");
    await shot("phone-spokes");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test("signs out: the cookie is gone and a reload asks for a key", async () => {
    await go("overview");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    const cookies = await browser.context.cookies();
    expect(cookies.find((cookie) => cookie.name === "alkhub_session")).toBeUndefined();
    // Reloading shows the sign-in again: nothing else remembered the session.
    await page.reload();
    await page.getByLabel("API key").waitFor();
  });

  test("a key without admin sees only what its scopes allow", async () => {
    const reader = await makeKey(testHub.hub, { scopes: ["read"], name: "viewer" });
    await page.getByLabel("API key").fill(reader.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    const nav = page.getByRole("navigation", { name: "Pages" });
    await nav.waitFor();
    expect(await nav.getByRole("link").allTextContents()).toEqual(["Overview", "Spokes", "Operations"]);
    // No "try it" without scope call.
    await go("operations?op=dash-1.text.echo");
    await page.getByRole("heading", { name: "Operation dash-1.text.echo" }).waitFor();
    expect(await page.getByRole("button", { name: "Call", exact: true }).count()).toBe(0);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
  });
});
