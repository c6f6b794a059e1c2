/** Small SVG bar charts for the overview (no library: a few rectangles). */

const SVG = "http://www.w3.org/2000/svg";

/** One value per bucket, oldest first. */
export interface Series {
  label: string;
  values: number[];
  /** How to print a value (the latest is shown beside the title). */
  format: (value: number) => string;
  tone?: "accent" | "bad";
}

/** A bar chart with an accessible summary (title, latest value, peak). */
export function barChart(series: Series): HTMLElement {
  const width = 300;
  const height = 64;
  const peak = Math.max(0, ...series.values);
  const count = Math.max(series.values.length, 1);
  const barWidth = width / count;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", `chart chart-${series.tone ?? "accent"}`);
  svg.setAttribute("aria-hidden", "true");
  const base = document.createElementNS(SVG, "line");
  for (const [name, value] of [
    ["x1", 0],
    ["x2", width],
    ["y1", height - 0.5],
    ["y2", height - 0.5],
  ] as const) {
    base.setAttribute(name, String(value));
  }
  base.setAttribute("class", "chart-base");
  svg.appendChild(base);
  series.values.forEach((value, index) => {
    const barHeight = peak > 0 ? Math.max(value > 0 ? 1.5 : 0, (value / peak) * (height - 4)) : 0;
    const rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("x", String(index * barWidth + 0.5));
    rect.setAttribute("y", String(height - barHeight));
    rect.setAttribute("width", String(Math.max(barWidth - 1, 0.5)));
    rect.setAttribute("height", String(barHeight));
    svg.appendChild(rect);
  });
  const latest = series.values.at(-1) ?? 0;
  const figure = document.createElement("figure");
  figure.className = "chart-card";
  const caption = document.createElement("figcaption");
  caption.textContent = `${series.label}: ${series.format(latest)} now, peak ${series.format(peak)}`;
  figure.append(caption, svg);
  return figure;
}
