import type { CallLogLevel, HubError } from "../protocol/index.ts";
import type { CallSink } from "./types.ts";

/** Bounds on what a collecting caller gathers from a subscription. */
export interface CollectLimits {
  /** Most items kept (default 1,000). */
  maxItems: number;
  /** Most characters of JSON kept (default 1 MiB). */
  maxChars: number;
}

export const DEFAULT_COLLECT_LIMITS: CollectLimits = { maxItems: 1000, maxChars: 1024 * 1024 };

/** What a collected call ended with. */
export type CollectedResult =
  | { ok: true; output: unknown; items?: undefined }
  | { ok: true; items: unknown[]; truncated: boolean; output?: undefined }
  | { ok: false; error: HubError };

/**
 * A sink for request/response surfaces (HTTP, MCP): resolves once with the output, or — for a subscription —
 * with the items collected up to the limits (further items are counted as truncated, the call goes on to its
 * end so the spoke is not cut off mid-stream).
 */
export class CollectingSink implements CallSink {
  readonly result: Promise<CollectedResult>;
  #resolve!: (result: CollectedResult) => void;
  readonly #limits: CollectLimits;
  readonly #onProgress: ((progress: number, total?: number, message?: string) => void) | undefined;
  readonly #onLog: ((level: CallLogLevel, data: unknown, logger: string | undefined) => void) | undefined;
  readonly #items: unknown[] = [];
  #chars = 0;
  #truncated = false;

  constructor(
    options: {
      limits?: CollectLimits;
      onProgress?: (progress: number, total?: number, message?: string) => void;
      onLog?: (level: CallLogLevel, data: unknown, logger: string | undefined) => void;
    } = {},
  ) {
    this.#limits = options.limits ?? DEFAULT_COLLECT_LIMITS;
    this.#onProgress = options.onProgress;
    this.#onLog = options.onLog;
    this.result = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  response(output: unknown, last: boolean): number {
    if (last) {
      this.#resolve({ ok: true, output });
      return 0;
    }
    const chars = JSON.stringify(output ?? null).length;
    if (this.#items.length < this.#limits.maxItems && this.#chars + chars <= this.#limits.maxChars) {
      this.#items.push(output);
      this.#chars += chars;
    } else {
      this.#truncated = true;
    }
    this.#onProgress?.(this.#items.length, undefined, undefined);
    return chars;
  }

  progress(progress: number, total: number | undefined, message: string | undefined): void {
    this.#onProgress?.(progress, total, message);
  }

  log(level: CallLogLevel, data: unknown, logger: string | undefined): void {
    this.#onLog?.(level, data, logger);
  }

  complete(): void {
    this.#resolve({ ok: true, items: this.#items, truncated: this.#truncated });
  }

  error(error: HubError): void {
    this.#resolve({ ok: false, error });
  }
}
