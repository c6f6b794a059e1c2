/** Overview: health, instances, live spokes, and calls/s and error rate over the last minutes. */
import { api } from "../api.ts";
import { barChart } from "../chart.ts";
import { ago, h, heading, pill, replace, table } from "../dom.ts";
import { can, every, has, notAvailable, type Page, type PageContext, problem, section } from "../page.ts";

interface Health {
  status: string;
  step?: string;
  issues?: unknown[];
}
interface Instance {
  id: string;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  spokes: number;
  mcpSessions: number;
  self: boolean;
}
interface Stats {
  bucketSeconds: number;
  buckets: { at: string; calls: number; errors: number }[];
  scope?: string;
}
interface SpokeRow {
  name: string;
  status?: string;
  live?: boolean;
}

/** The overview page, refreshed every 5 s. */
export const overviewPage = (ctx: PageContext) => {
  const healthBox = h("div", {}, "Loading…");
  const spokesBox = h("div", {}, "Loading…");
  const instancesBox = h("div", {}, "Loading…");
  const chartsBox = h("div", { class: "charts" }, "Loading…");
  const admin = can(ctx.session, "admin");
  replace(
    ctx.root,
    heading("Overview"),
    h(
      "div",
      { class: "grid" },
      section("Health", healthBox),
      section("Live spokes", spokesBox),
      admin ? section("Calls, last 15 minutes", chartsBox) : null,
      admin ? section("Instances", instancesBox) : null,
    ),
  );
  const stats = has(ctx.session, "GET /stats");
  const instances = has(ctx.session, "GET /instances");
  if (!stats) replace(chartsBox, notAvailable("Call statistics"));
  if (!instances) replace(instancesBox, notAvailable("The instance list"));
  every(5000, ctx.signal, async () => {
    await Promise.all([
      loadHealth(healthBox),
      loadSpokes(spokesBox),
      admin && stats ? loadStats(chartsBox) : undefined,
      admin && instances ? loadInstances(instancesBox) : undefined,
    ]);
  });
};
overviewPage satisfies Page;

async function loadHealth(box: HTMLElement): Promise<void> {
  try {
    // The same report as /health, always with status 200 (a degraded hub is an answer here, not a failure).
    const health = await api<Health>("GET", "/ui/health");
    const tone = health.status === "ok" ? "ok" : health.status === "degraded" ? "warn" : "bad";
    const issues = (health.issues ?? []).map((issue) =>
      h("li", {}, typeof issue === "string" ? issue : JSON.stringify(issue)),
    );
    replace(
      box,
      h("p", { class: "big" }, pill(health.status, tone)),
      health.step ? h("p", {}, `Starting: ${health.step}`) : null,
      issues.length ? h("ul", {}, issues) : h("p", { class: "hint" }, "No issues reported."),
    );
  } catch (error) {
    replace(box, problem("Health", error));
  }
}

async function loadSpokes(box: HTMLElement): Promise<void> {
  try {
    const answer = await api<{ items?: SpokeRow[]; spokes?: SpokeRow[] }>("GET", "/api/v1/spokes");
    const rows = answer.items ?? answer.spokes ?? [];
    const live = rows.filter((row) => row.status === "online" || row.live === true);
    replace(
      box,
      h(
        "p",
        { class: "big" },
        String(live.length),
        h("span", { class: "unit" }, ` live of ${rows.length} known`),
      ),
      h(
        "p",
        {},
        live.slice(0, 8).map((row) => h("a", { href: "#/spokes", class: "tag" }, row.name)),
      ),
    );
  } catch (error) {
    replace(box, problem("Spokes", error));
  }
}

async function loadStats(box: HTMLElement): Promise<void> {
  try {
    const stats = await api<Stats>("GET", "/api/v1/stats");
    const seconds = stats.bucketSeconds || 10;
    const perSecond = stats.buckets.map((bucket) => bucket.calls / seconds);
    const errorRate = stats.buckets.map((bucket) => (bucket.calls > 0 ? bucket.errors / bucket.calls : 0));
    replace(
      box,
      barChart({ label: "Calls per second", values: perSecond, format: (v) => `${v.toFixed(1)}/s` }),
      barChart({
        label: "Error rate",
        values: errorRate,
        format: (v) => `${(v * 100).toFixed(0)} %`,
        tone: "bad",
      }),
      h("p", { class: "hint" }, `${seconds} s buckets${stats.scope ? `, ${stats.scope}` : ""}.`),
    );
  } catch (error) {
    replace(box, problem("Call statistics", error));
  }
}

async function loadInstances(box: HTMLElement): Promise<void> {
  try {
    const { items } = await api<{ items: Instance[] }>("GET", "/api/v1/instances");
    replace(
      box,
      table(
        "Instances",
        ["Instance", "Version", "Started", "Spokes", "MCP sessions"],
        items.map((instance) => [
          h("code", {}, instance.id.slice(0, 8)),
          instance.version,
          ago(instance.startedAt),
          instance.spokes,
          instance.mcpSessions,
        ]),
      ),
    );
  } catch (error) {
    replace(box, problem("Instances", error));
  }
}
