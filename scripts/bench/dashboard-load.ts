/**
 * Cold load of the operator dashboard (#17: "loads in under 1 s on a cold cache and works without third-party
 * requests"). Starts the compiled binary on Postgres + Redis of the benchmark's own, mints an `admin` key with the
 * binary's CLI and signs in once (`POST /ui/session`). Then, per sample, a fresh browser context of Debian's
 * Chromium (driven by playwright-core; empty cache, only the session cookie) navigates to `/ui/` and waits until
 * the Overview shows its data: the health pill, the live-spoke count, the call charts and the instance table.
 * The time is the page's own clock at that moment (ms since navigation start). One unmeasured warm-up sample runs
 * first. Reports median / p90 / max, the bytes transferred (encoded bodies + headers) and the requests to any
 * origin other than the hub's, which must be 0.
 *
 * Usage: bun scripts/bench/dashboard-load.ts [--samples 10] [--json]
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { CHROMIUM_FLAGS, CHROMIUM_PATH, chromiumAvailable } from "../../tests/support/browser.ts";
import {
  type BenchOptions,
  type BenchResult,
  type BenchRow,
  createKey,
  parseBenchArgs,
  printRows,
  progress,
  spread,
  startHub,
  withBench,
} from "./support/index.ts";

/** The #17 target for a cold load. */
const TARGET_MS = 1000;
/** How long one sample may take before the benchmark gives up (a busy machine, not a target). */
const SAMPLE_TIMEOUT_MS = 30_000;

/** Options of {@link run}. */
export interface DashboardLoadOptions extends BenchOptions {
  /** Measured cold loads, default 10. */
  samples?: number;
}

/** One cold load. */
interface Sample {
  /** Navigation start → Overview with its data, by the page's clock. */
  ms: number;
  /** Navigation start → DOMContentLoaded end (the shell and its script and style sheet are in). */
  shellMs: number;
  /** Encoded response bodies + response headers of every request of the load. */
  bytes: number;
  requests: number;
  /** URLs (origin + path) of requests to any origin but the hub's. */
  foreign: string[];
}

/**
 * Truthy in the page once the Overview shows data, not placeholders: the health pill, "N live of M known", the
 * two charts and the instance table (the admin overview's four cards). Returns the page's clock then, and when
 * DOMContentLoaded ended.
 */
function overviewShown(): { ms: number; shellMs: number } | false {
  const card = (label: string) => document.querySelector(`main section[aria-label="${label}"]`);
  const ready =
    document.querySelector("main h1")?.textContent === "Overview" &&
    card("Health")?.querySelector(".pill") &&
    card("Live spokes")?.textContent?.includes("live of") &&
    card("Calls, last 15 minutes")?.querySelectorAll("svg.chart").length === 2 &&
    card("Instances")?.querySelector("table");
  if (!ready) return false;
  const [navigation] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
  return { ms: performance.now(), shellMs: navigation?.domContentLoadedEventEnd ?? Number.NaN };
}

/** Signs in with `key` the way the page does; resolves with the session cookie's value. */
async function signIn(url: string, key: string): Promise<string> {
  const response = await fetch(`${url}/ui/session`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-alkhub-csrf": "1" },
    body: JSON.stringify({ key }),
  });
  await response.arrayBuffer();
  const cookie = /alkhub_session=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
  if (response.status !== 201 || !cookie)
    throw new Error(`POST /ui/session answered ${response.status} without a session cookie`);
  return cookie;
}

/** Counts what `page` requests and how many bytes come back. */
function watchRequests(page: Page, hubOrigin: string) {
  const foreign: string[] = [];
  const sizes: Promise<number>[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    // data: and blob: URLs are not requests to anyone.
    if ((url.protocol === "http:" || url.protocol === "https:") && url.origin !== hubOrigin)
      foreign.push(`${url.origin}${url.pathname}`);
  });
  page.on("requestfinished", (request) => {
    sizes.push(
      request.sizes().then(
        (s) => s.responseBodySize + s.responseHeadersSize,
        () => 0,
      ),
    );
  });
  return {
    foreign,
    async total() {
      const all = await Promise.all(sizes);
      return { bytes: all.reduce((a, b) => a + b, 0), requests: all.length };
    },
  };
}

/** One cold load in a fresh context carrying only the session cookie. */
async function sampleOnce(browser: Browser, url: string, cookie: string): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addCookies([
      { name: "alkhub_session", value: cookie, url, httpOnly: true, sameSite: "Strict" },
    ]);
    const page = await context.newPage();
    const watch = watchRequests(page, new URL(url).origin);
    await page.goto(`${url}/ui/`);
    const handle = await page
      .waitForFunction(overviewShown, undefined, { polling: "raf", timeout: SAMPLE_TIMEOUT_MS })
      .catch(async (error) => {
        const text =
          (await page
            .locator("main")
            .textContent()
            .catch(() => "")) ?? "";
        throw new Error(`the Overview did not show its data: page says "${text.slice(0, 200)}"`, {
          cause: error,
        });
      });
    const { ms, shellMs } = (await handle.jsonValue()) as { ms: number; shellMs: number };
    const { bytes, requests } = await watch.total();
    return { ms, shellMs, bytes, requests, foreign: watch.foreign };
  } finally {
    await context.close();
  }
}

/** The value at quantile `q` (0–1) of `values`, nearest rank. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

export async function measureDashboardLoad(options: DashboardLoadOptions) {
  const samples = options.samples ?? 10;
  if (!chromiumAvailable())
    throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium (or set ALKHUB_CHROMIUM)`);
  return withBench(async (ctx) => {
    const [redisUrl, db] = await Promise.all([ctx.redis(), ctx.database()]);
    const files = ctx.hubFiles({ postgresUrl: db.url, redisUrl });
    const key = await createKey(files, { name: "dashboard bench", scopes: "admin" });
    const hub = await startHub(ctx.group, files, "dashboard-load");
    const cookie = await signIn(hub.url, key);
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
    ctx.defer(() => browser.close());
    await sampleOnce(browser, hub.url, cookie); // warm-up: the browser's and the hub's first page
    const measured: Sample[] = [];
    for (let i = 0; i < samples; i++) measured.push(await sampleOnce(browser, hub.url, cookie));
    progress(options, `cold loads: ${measured.map((s) => s.ms.toFixed(0)).join(", ")} ms`);
    const times = measured.map((s) => s.ms);
    return {
      samples,
      medianMs: spread(times).median,
      p90Ms: quantile(times, 0.9),
      maxMs: spread(times).max,
      shellMedianMs: spread(measured.map((s) => s.shellMs)).median,
      bytes: spread(measured.map((s) => s.bytes)).median,
      requests: spread(measured.map((s) => s.requests)).median,
      foreign: [...new Set(measured.flatMap((s) => s.foreign))],
      foreignCount: measured.reduce((n, s) => n + s.foreign.length, 0),
    };
  });
}

export function dashboardLoadRows(m: Awaited<ReturnType<typeof measureDashboardLoad>>): BenchRow[] {
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  return [
    {
      what: `dashboard cold load to Overview with data, fresh browser context (${m.samples} samples)`,
      target: `< ${TARGET_MS / 1000} s`,
      hub: `median ${ms(m.medianMs)}, p90 ${ms(m.p90Ms)}, max ${ms(m.maxMs)}`,
      raw: "—",
      ratio: `p90 ${(m.p90Ms / TARGET_MS).toFixed(2)} of target`,
      met: m.p90Ms < TARGET_MS,
      data: { medianMs: m.medianMs, p90Ms: m.p90Ms, maxMs: m.maxMs, shellMedianMs: m.shellMedianMs },
      note:
        "headless Chromium on the same machine as the hub; from navigation start (page clock) until every " +
        `Overview card shows data; the shell alone (DOMContentLoaded) took a median ${ms(m.shellMedianMs)}`,
    },
    {
      what: "dashboard cold load: bytes transferred (median per load)",
      target: "—",
      hub: `${(m.bytes / 1024).toFixed(1)} KiB in ${m.requests} requests`,
      raw: "—",
      ratio: "—",
      met: null,
      data: { bytes: m.bytes, requests: m.requests },
    },
    {
      what: "dashboard cold load: requests to other origins (all samples)",
      target: "0",
      hub: String(m.foreignCount),
      raw: "—",
      ratio: "—",
      met: m.foreignCount === 0,
      data: { foreign: m.foreign },
      ...(m.foreign.length > 0 ? { note: `requested: ${m.foreign.slice(0, 5).join(", ")}` } : {}),
    },
  ];
}

/** Runs the benchmark; resolves with its rows. */
export async function run(options: DashboardLoadOptions): Promise<BenchResult> {
  const started = performance.now();
  const rows = dashboardLoadRows(await measureDashboardLoad(options));
  return { name: "dashboard-load", rows, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const { common, values, int } = parseBenchArgs(Bun.argv.slice(2), {
    samples: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
  });
  const result = await run({ ...common, samples: int("samples") });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printRows(result.rows);
}
