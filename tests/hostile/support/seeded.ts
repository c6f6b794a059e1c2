/**
 * Seeded randomness for the hostile fuzzers: every run draws a seed (or takes ALKHUB_FUZZ_SEED), runs a bounded
 * number of iterations, and names the seed and iteration in any failure, so a failing case replays exactly:
 * `ALKHUB_FUZZ_SEED=<seed> bun test ./tests/hostile/<file>`.
 */

/** A small deterministic generator (mulberry32): same seed, same sequence. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A string of `length` characters drawn from `alphabet` (default: printable ASCII plus a few hostile ones). */
  string(length: number, alphabet = ALPHABET): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  /** Any JSON value, at most `depth` levels deep. */
  json(depth = 3): unknown {
    const kind = depth <= 0 ? this.int(0, 4) : this.int(0, 6);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, this.int(-1000, 1000)]);
      case 3:
        return this.string(this.int(0, 12));
      case 4:
        return this.pick(["", "__proto__", "constructor", "\u0000", "\ud800", "a".repeat(300)]);
      case 5:
        return Array.from({ length: this.int(0, 4) }, () => this.json(depth - 1));
      default: {
        const out: Record<string, unknown> = {};
        for (let i = this.int(0, 4); i > 0; i--) out[this.string(this.int(0, 8))] = this.json(depth - 1);
        return out;
      }
    }
  }
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789._-*$/ {}[]\"':,\\\u00e9\u2028\u0000";

/** The seed of this run: ALKHUB_FUZZ_SEED when set, else a fresh one. */
export function fuzzSeed(): number {
  const given = process.env.ALKHUB_FUZZ_SEED;
  if (given) return Number(given) >>> 0;
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/**
 * Runs `iterations` cases of `body`, each with a generator derived from the run's seed and the iteration; a case
 * that throws fails with the seed and iteration in the message.
 */
export async function fuzz(
  name: string,
  iterations: number,
  body: (rng: Rng, iteration: number) => void | Promise<void>,
  seed = fuzzSeed(),
): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    const rng = new Rng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    try {
      await body(rng, i);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        `fuzz "${name}" failed at iteration ${i} (replay: ALKHUB_FUZZ_SEED=${seed}): ${message}`,
        { cause: error },
      );
    }
  }
}
