/** The relay chart of docs/benchmarks-relay.svg: hub vs raw throughput and p50 per load shape, hand-written SVG. */

/** One load shape's medians. */
export interface ChartPoint {
  label: string;
  hubCallsPerSec: number;
  rawCallsPerSec: number;
  hubP50Us: number;
  rawP50Us: number;
}

const WIDTH = 840;
const HEIGHT = 380;
const PANEL_W = 380;
const PANEL_H = 250;
const TOP = 60;
const HUB_COLOUR = "#2563eb";
const RAW_COLOUR = "#9ca3af";

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** A round axis maximum ≥ `max` (1, 2 or 5 × 10^n). */
function niceMax(max: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(max, 1e-9)));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function panel(
  x0: number,
  title: string,
  points: ChartPoint[],
  pick: (p: ChartPoint) => [number, number],
  format: (n: number) => string,
): string {
  const max = niceMax(Math.max(...points.flatMap(pick)));
  const parts = [
    `<text x="${x0 + PANEL_W / 2}" y="${TOP - 25}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = TOP + PANEL_H - (PANEL_H * i) / 4;
    parts.push(`<line x1="${x0}" y1="${y}" x2="${x0 + PANEL_W}" y2="${y}" stroke="#e5e7eb"/>`);
    parts.push(
      `<text x="${x0 - 6}" y="${y + 4}" text-anchor="end" font-size="11">${esc(format((max * i) / 4))}</text>`,
    );
  }
  const group = PANEL_W / points.length;
  const bar = Math.min(28, group / 3);
  points.forEach((p, i) => {
    const [hub, raw] = pick(p);
    const cx = x0 + group * i + group / 2;
    for (const [value, colour, dx] of [
      [hub, HUB_COLOUR, -bar],
      [raw, RAW_COLOUR, 0],
    ] as const) {
      const h = (PANEL_H * value) / max;
      parts.push(
        `<rect x="${(cx + dx).toFixed(1)}" y="${(TOP + PANEL_H - h).toFixed(1)}" width="${bar.toFixed(1)}" ` +
          `height="${h.toFixed(1)}" fill="${colour}"><title>${esc(format(value))}</title></rect>`,
      );
    }
    parts.push(
      `<text x="${cx}" y="${TOP + PANEL_H + 16}" text-anchor="middle" font-size="11">${esc(p.label)}</text>`,
    );
  });
  parts.push(
    `<line x1="${x0}" y1="${TOP + PANEL_H}" x2="${x0 + PANEL_W}" y2="${TOP + PANEL_H}" stroke="#374151"/>`,
  );
  return parts.join("\n");
}

/** The SVG document for `points` (labels like "64 / 1c"). */
export function relayChartSvg(points: ChartPoint[], caption: string): string {
  const rate = (n: number) => (n >= 1000 ? `${Math.round(n / 1000)}k` : `${Math.round(n)}`);
  const us = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)} ms` : `${Math.round(n)} µs`);
  const legendY = HEIGHT - 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="13" role="img">`,
    "<title>alkhub relay against the raw Bun relay: throughput and p50 latency by calls in flight</title>",
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    panel(
      60,
      "Throughput (calls/s, higher is better)",
      points,
      (p) => [p.hubCallsPerSec, p.rawCallsPerSec],
      rate,
    ),
    panel(450, "Latency p50 (lower is better)", points, (p) => [p.hubP50Us, p.rawP50Us], us),
    `<rect x="60" y="${legendY - 10}" width="12" height="12" fill="${HUB_COLOUR}"/>`,
    `<text x="78" y="${legendY}">alkhub (compiled binary)</text>`,
    `<rect x="260" y="${legendY - 10}" width="12" height="12" fill="${RAW_COLOUR}"/>`,
    `<text x="278" y="${legendY}">raw Bun relay</text>`,
    `<text x="420" y="${legendY}" font-size="11">x: calls in flight / caller connections</text>`,
    `<text x="60" y="${HEIGHT - 8}" font-size="11" fill="#6b7280">${esc(caption)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}
