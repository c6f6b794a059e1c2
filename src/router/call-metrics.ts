import type { Counter, Histogram, MetricsRegistry } from "../health/index.ts";

/** Upper bounds of the call latency histogram, in seconds. */
const LATENCY_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Outcome of a finished call, as the audit and the metrics name it. */
export type CallOutcome = "ok" | "error" | "aborted" | "timeout";

/**
 * The router's series. Operation labels only ever carry names from the registered catalog (or "unknown"), so
 * untrusted input cannot grow the label set; latency is split by outcome only, to keep the series few.
 */
export class CallMetrics {
  readonly #calls: Counter;
  readonly #latency: Histogram;

  constructor(metrics: MetricsRegistry, inFlight: () => number) {
    this.#calls = metrics.counter("alkhub_calls_total", "Finished calls by operation and outcome.");
    this.#latency = metrics.histogram(
      "alkhub_call_duration_seconds",
      "Time from a call reaching the hub to its end, by outcome.",
      LATENCY_BUCKETS_S,
    );
    metrics.gauge("alkhub_calls_in_flight", "Calls the router is waiting on.", () => [[{}, inFlight()]]);
  }

  /** Records one finished call; `operation` must be a catalog name or "unknown". */
  finished(operation: string, outcome: CallOutcome, durationMs: number): void {
    this.#calls.inc({ operation, outcome });
    this.#latency.observe(durationMs / 1000, { outcome });
  }
}
