/**
 * Fakes for the relay core's unit tests (router, spokes, cluster): a clock the test moves by hand, a catalog
 * built the way the real one builds its entries, a spoke link and a call sink that record what they get, a
 * socket that records what a session writes. Test support.
 */
import type { Identity } from "../../src/auth/index.ts";
import type { CatalogOperation, CatalogSpoke } from "../../src/catalog/index.ts";
import { canCallOperation, canSeeSpoke } from "../../src/catalog/visibility.ts";
import type { CallLogLevel, HubError } from "../../src/protocol/index.ts";
import type {
  CallSink,
  Clock,
  RoutingCatalog,
  SpokeFrameType,
  SpokeLink,
  SpokeLinks,
} from "../../src/router/index.ts";
import type { FrameSocket } from "../../src/spokes/index.ts";
import { type TestSpoke, testIndex } from "./catalog-fixtures.ts";

/** A clock that only moves when the test says so; periodic ticks run as it passes them. */
export class FakeClock implements Clock {
  #now: number;
  #tickers = new Set<{ ms: number; next: number; tick: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  every(ms: number, tick: () => void): () => void {
    const ticker = { ms, next: this.#now + ms, tick };
    this.#tickers.add(ticker);
    return () => this.#tickers.delete(ticker);
  }

  /** Moves time forward by `ms`, running each tick that falls in between, in order. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let due: { ms: number; next: number; tick: () => void } | undefined;
      for (const ticker of this.#tickers)
        if (ticker.next <= until && (!due || ticker.next < due.next)) due = ticker;
      if (!due) break;
      this.#now = due.next;
      due.next += due.ms;
      due.tick();
    }
    this.#now = until;
  }

  /** Periodic ticks currently running. */
  get tickers(): number {
    return this.#tickers.size;
  }
}

/**
 * A catalog over `spokes`, with the real visibility rules; live spokes are held by connection `conn-<name>` of
 * instance `instance-1`.
 */
export function fakeCatalog(
  spokes: TestSpoke[],
): RoutingCatalog & { spokeEntry(name: string): CatalogSpoke } {
  const index = testIndex(spokes);
  for (const spoke of [...index.spokes()]) {
    if (spoke.live) index.put({ ...spoke, instanceId: "instance-1", connectionId: `conn-${spoke.name}` });
  }
  return {
    operation: (name: string) => index.operation(name),
    spoke: (name: string) => index.spoke(name),
    canSee: (viewer: Identity, spoke: CatalogSpoke) => canSeeSpoke(viewer, spoke),
    canCall: (viewer: Identity, op: CatalogOperation) =>
      canCallOperation(viewer, index.spoke(op.spokeName), op),
    spokeEntry: (name: string) => index.spoke(name)!,
  };
}

/** One frame a fake link was given. */
export interface SentFrame {
  frame: string;
  type: SpokeFrameType;
  hubId: string;
  subscription: boolean;
}

/** A spoke link that records the frames it is given; `accepting = false` makes it refuse them. */
export class FakeLink implements SpokeLink {
  readonly connectionId: string;
  readonly spokeName: string;
  readonly maxConcurrency: number | undefined;
  readonly remote: boolean;
  inFlight = 0;
  accepting = true;
  readonly sent: SentFrame[] = [];

  constructor(
    spokeName: string,
    opts: { connectionId?: string; maxConcurrency?: number; remote?: boolean } = {},
  ) {
    this.spokeName = spokeName;
    this.connectionId = opts.connectionId ?? `conn-${spokeName}`;
    this.maxConcurrency = opts.maxConcurrency;
    this.remote = opts.remote ?? false;
  }

  send(frame: string, type: SpokeFrameType, hubId: string, subscription: boolean): boolean {
    if (!this.accepting) return false;
    this.sent.push({ frame, type, hubId, subscription });
    return true;
  }

  /** The parsed frames sent so far. */
  frames(): Array<{ type: string; id: string; payload: Record<string, unknown> }> {
    return this.sent.map((sent) => JSON.parse(sent.frame));
  }
}

/** Links by spoke name. */
export function fakeLinks(...links: FakeLink[]): SpokeLinks {
  const byName = new Map(links.map((link) => [link.spokeName, link]));
  return { link: (spoke) => byName.get(spoke.name) };
}

/** What a sink was told, in order. */
export type SinkEvent =
  | { kind: "response"; output: unknown; last: boolean }
  | { kind: "progress"; progress: number; total?: number; message?: string }
  | { kind: "log"; level: CallLogLevel; data: unknown; logger?: string }
  | { kind: "complete" }
  | { kind: "error"; code: string; message: string };

/** A call sink that records everything. */
export class RecordingSink implements CallSink {
  readonly events: SinkEvent[] = [];

  response(output: unknown, last: boolean): number {
    this.events.push({ kind: "response", output, last });
    return 7;
  }

  progress(progress: number, total: number | undefined, message: string | undefined): void {
    this.events.push({ kind: "progress", progress, total, message });
  }

  log(level: CallLogLevel, data: unknown, logger: string | undefined): void {
    this.events.push({ kind: "log", level, data, logger });
  }

  complete(): void {
    this.events.push({ kind: "complete" });
  }

  error(error: HubError): void {
    this.events.push({ kind: "error", code: error.code, message: error.message });
  }

  /** The error code, when the call ended with one. */
  get errorCode(): string | undefined {
    const last = this.events.at(-1);
    return last?.kind === "error" ? last.code : undefined;
  }
}

/** A socket that records what is written to it; `sendResult` is what `send` reports (bytes, -1, or 0). */
export class FakeSocket implements FrameSocket {
  readonly texts: string[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  pings = 0;
  sendResult = 1;

  send(text: string): number {
    this.texts.push(text);
    return this.sendResult;
  }

  ping(): void {
    this.pings++;
  }

  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
  }

  /** The parsed frames written so far. */
  frames(): Array<{ type: string; id: string; payload: Record<string, unknown> }> {
    return this.texts.map((text) => JSON.parse(text));
  }
}
