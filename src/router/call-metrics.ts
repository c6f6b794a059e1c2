import type { Counter, Histogram, HistogramSeries, MetricsRegistry } from "../health/index.ts";
import { CallStats } from "./call-stats.ts";
import type { CallOutcome } from "./types.ts";

/** Upper bounds of the call latency histogram, in seconds. */
const LATENCY_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

const OUTCOMES: readonly CallOutcome[] = ["ok", "error", "aborted", "timeout"];

/** The counter cells of one operation, by outcome. */
export type OperationCells = Record<CallOutcome, [Record<string, string>, number]>;
type Cells = OperationCells;

/**
 * The router's series. Operation labels only ever carry names from the registered catalog (or "unknown"), so
 * untrusted input cannot grow the label set; latency is split by outcome only, to keep the series few. The
 * counter cells of each operation are looked up once and then incremented in place: no label key per call.
 */
export class CallMetrics {
  readonly #calls: Counter;
  readonly #cells = new Map<string, Cells>();
  readonly #latency: Record<CallOutcome, HistogramSeries>;
  readonly #histogram: Histogram;
  /** Calls and errors per 10 s bucket (`GET /api/v1/stats`). */
  readonly stats = new CallStats();

  constructor(metrics: MetricsRegistry, inFlight: () => number) {
    this.#calls = metrics.counter("alkhub_calls_total", "Finished calls by operation and outcome.");
    this.#histogram = metrics.histogram(
      "alkhub_call_duration_seconds",
      "Time from a call reaching the hub to its end, by outcome.",
      LATENCY_BUCKETS_S,
    );
    const series = (outcome: CallOutcome) => this.#histogram.series({ outcome });
    this.#latency = {
      ok: series("ok"),
      error: series("error"),
      aborted: series("aborted"),
      timeout: series("timeout"),
    };
    metrics.gauge("alkhub_calls_in_flight", "Calls the router is waiting on.", () => [[{}, inFlight()]]);
  }

  /** The counter cells of one operation (a catalog name or "unknown"), for `finishedIn` on the hot path. */
  cells(operation: string): OperationCells {
    let cells = this.#cells.get(operation);
    if (!cells) {
      cells = {} as Cells;
      for (const each of OUTCOMES) cells[each] = this.#calls.cell({ operation, outcome: each });
      this.#cells.set(operation, cells);
    }
    return cells;
  }

  /**
   * Records one finished call; `operation` must be a catalog name or "unknown". `finishedAt` (epoch ms) places
   * it in the stats buckets.
   */
  finished(operation: string, outcome: CallOutcome, durationMs: number, finishedAt: number): void {
    this.finishedIn(this.cells(operation), outcome, durationMs, finishedAt);
  }

  /** Records one finished call in cells looked up before (see `cells`). */
  finishedIn(cells: OperationCells, outcome: CallOutcome, durationMs: number, finishedAt: number): void {
    cells[outcome][1] += 1;
    this.#histogram.observeIn(this.#latency[outcome], durationMs / 1000);
    this.stats.count(finishedAt, outcome === "error" || outcome === "timeout");
  }
}
