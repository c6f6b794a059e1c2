/**
 * A headless Chromium for the dashboard's browser tests: Debian's `chromium` package (installed by .ci/run)
 * driven by playwright-core — Playwright's own browser download cannot work on these machines. Each launch gets
 * a fresh profile directory; every console error and uncaught page error is collected so a test can fail on it.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Where Debian's package puts the browser (`ALKHUB_CHROMIUM` overrides). */
export const CHROMIUM_PATH = process.env.ALKHUB_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a quiet, offline, sandbox-less headless run (no GPU, no QUIC, no background traffic). */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A running browser and what its pages complained about. */
export interface TestBrowser {
  context: BrowserContext;
  /** Console errors and uncaught exceptions, in order (`<url>: <text>`). */
  errors: string[];
  close(): Promise<void>;
}

/** Whether the browser is installed here. */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Launches Chromium with a fresh profile; `viewport` defaults to a 1280×800 laptop. */
export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "alkhub-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
    timeout: 60_000,
  });
  const errors: string[] = [];
  const watch = (page: import("playwright-core").Page) => {
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`${page.url()}: console error: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`${page.url()}: uncaught: ${error.message}`));
  };
  for (const page of context.pages()) watch(page);
  context.on("page", watch);
  return {
    context,
    errors,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
