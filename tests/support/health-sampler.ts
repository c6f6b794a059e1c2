/**
 * Samples a hub's `GET /health` on a fixed beat and records how long each answer took, for suites that promise
 * the hub stays responsive while something hostile or broken happens. Samples that find nothing listening yet
 * are not counted (a restarted hub is sampled "from the moment it listens"); once it has answered, a sample
 * that fails or times out counts as a miss.
 */

/** One answered (or missed) sample. */
export interface HealthSample {
  /** Epoch ms the request was sent. */
  at: number;
  /** How long the answer took, in milliseconds (Infinity for a miss). */
  ms: number;
  /** The `status` field of the body ("ok", "degraded", "starting", …) or "miss". */
  status: string;
  /** The `issues` of a degraded answer (`postgres-unavailable`, `event-loop-lag`, …). */
  issues?: string[];
}

export interface HealthSampler {
  readonly samples: readonly HealthSample[];
  /** The slowest sample so far, or undefined before the first answer. */
  slowest(): HealthSample | undefined;
  /** Stops sampling and waits for the request in flight. */
  stop(): Promise<void>;
}

/** Starts sampling `${baseUrl}/health` every `intervalMs`; a request is abandoned after `timeoutMs`. */
export function sampleHealth(baseUrl: string, intervalMs: number, timeoutMs = 2000): HealthSampler {
  const samples: HealthSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      const started = performance.now();
      try {
        const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
        const body = (await response.json()) as { status?: string; issues?: string[] };
        const sample: HealthSample = {
          at,
          ms: performance.now() - started,
          status: body.status ?? String(response.status),
        };
        if (body.issues) sample.issues = body.issues;
        samples.push(sample);
      } catch (error) {
        const refused = (error as { code?: string }).code === "ECONNREFUSED";
        if (samples.length > 0 || !refused)
          samples.push({ at, ms: Number.POSITIVE_INFINITY, status: "miss" });
      }
      const rest = intervalMs - (performance.now() - started);
      if (rest > 0) await Bun.sleep(rest);
    }
  })();
  return {
    samples,
    slowest: () =>
      samples.reduce<HealthSample | undefined>(
        (worst, s) => (!worst || s.ms > worst.ms ? s : worst),
        undefined,
      ),
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
