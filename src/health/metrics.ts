/**
 * A small Prometheus text-format registry. Each part registers the series it owns; `/metrics` renders them all.
 * Label values come only from bounded sets (step names, outcomes, registered operations), never from raw input.
 */

export type Labels = Record<string, string>;
type MetricKind = "counter" | "gauge" | "histogram";

interface Family {
  name: string;
  help: string;
  kind: MetricKind;
  collect: () => Iterable<[Labels, number]> | string;
}

/** A monotonically increasing count, optionally split by labels. */
export class Counter {
  readonly #values = new Map<string, [Labels, number]>();

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    const entry = this.#values.get(key);
    if (entry) entry[1] += by;
    else this.#values.set(key, [labels, by]);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels))?.[1] ?? 0;
  }

  /**
   * The cell of one label set, to increment on a hot path without building a label key each time:
   * `cell[1] += 1`. The same array is returned for the same labels.
   */
  cell(labels: Labels): [Labels, number] {
    const key = labelKey(labels);
    let entry = this.#values.get(key);
    if (!entry) {
      entry = [labels, 0];
      this.#values.set(key, entry);
    }
    return entry;
  }

  *samples(): Iterable<[Labels, number]> {
    yield* this.#values.values();
  }
}

/** One label set's counts in a histogram. */
export interface HistogramSeries {
  readonly labels: Labels;
  /** Observations per bucket: in bucket `i` and no lower one (made cumulative when rendered). */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** A histogram with fixed buckets (upper bounds, in the unit its name carries). */
export class Histogram {
  readonly #buckets: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

  constructor(buckets: readonly number[]) {
    this.#buckets = buckets;
  }

  observe(value: number, labels: Labels = {}): void {
    this.observeIn(this.series(labels), value);
  }

  /** The series of one label set, for `observeIn` on a hot path. */
  series(labels: Labels): HistogramSeries {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, counts: new Array(this.#buckets.length).fill(0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    return series;
  }

  /** Records `value` in a series obtained from `series()`: one bucket's count (it runs once per call). */
  observeIn(series: HistogramSeries, value: number): void {
    const buckets = this.#buckets;
    let i = 0;
    while (i < buckets.length && value > (buckets[i] as number)) i++;
    if (i < buckets.length) series.counts[i]! += 1;
    series.sum += value;
    series.count += 1;
  }

  render(name: string): string {
    const lines: string[] = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      this.#buckets.forEach((bound, i) => {
        cumulative += counts[i]!;
        lines.push(`${name}_bucket${renderLabels({ ...labels, le: String(bound) })} ${cumulative}`);
      });
      lines.push(`${name}_bucket${renderLabels({ ...labels, le: "+Inf" })} ${count}`);
      lines.push(`${name}_sum${renderLabels(labels)} ${sum}`);
      lines.push(`${name}_count${renderLabels(labels)} ${count}`);
    }
    return lines.join("\n");
  }
}

/** The registry `/metrics` renders. */
export class MetricsRegistry {
  readonly #families: Family[] = [];

  /** Registers a gauge whose samples are read at scrape time. */
  gauge(name: string, help: string, collect: () => Iterable<[Labels, number]>): void {
    this.#families.push({ name, help, kind: "gauge", collect });
  }

  /** Creates and registers a counter. */
  counter(name: string, help: string): Counter {
    const counter = new Counter();
    this.#families.push({ name, help, kind: "counter", collect: () => counter.samples() });
    return counter;
  }

  /** Creates and registers a histogram. */
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    const histogram = new Histogram(buckets);
    this.#families.push({ name, help, kind: "histogram", collect: () => histogram.render(name) });
    return histogram;
  }

  /** The whole registry in Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const family of this.#families) {
      out.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.kind}`);
      const collected = family.collect();
      if (typeof collected === "string") {
        if (collected) out.push(collected);
        continue;
      }
      for (const [labels, value] of collected) out.push(`${family.name}${renderLabels(labels)} ${value}`);
    }
    return `${out.join("\n")}\n`;
  }
}

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  return keys
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}

function renderLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  const body = entries.map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`,
  );
  return `{${body.join(",")}}`;
}
