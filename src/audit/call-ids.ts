/** Two hex digits for each byte value. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
/** One hex digit for each nibble. */
const DIGIT = Array.from({ length: 16 }, (_, nibble) => nibble.toString(16));
/** The highest value of the 12-bit counter (`rand_a`). */
const COUNTER_MAX = 0xfff;

/**
 * UUIDv7 strings (RFC 9562 §5.7) for audit rows, made with two string concatenations each: the id of every
 * `calls` row is made by the hub (so a retried batch inserts nothing twice), and `Bun.randomUUIDv7()` for each
 * of them was a quarter of the writer's encoding time (issue #11).
 *
 * Within one millisecond the ids share a random 62-bit `rand_b` and count up in the 12-bit `rand_a` from a
 * random start below 1,024 (RFC 9562 §6.2, method 1: a fixed-length dedicated counter); a new millisecond, or
 * a counter at its end, draws new random bits. Ids from one source never repeat; ids from two instances collide
 * only if 62 random bits do.
 */
export class CallIdSource {
  /** The millisecond the cached parts were made for. */
  #ms = Number.NaN;
  /** `tttttttt-tttt-7`: the time and the version digit. */
  #head = "";
  /** `-vrrr-rrrrrrrrrrrr`: the variant and `rand_b`. */
  #tail = "";
  #counter = COUNTER_MAX + 1;
  readonly #random = new Uint8Array(9);

  /** A new id whose time is `ms` (epoch milliseconds; the current time when omitted). */
  next(ms: number = Date.now()): string {
    if (ms !== this.#ms || this.#counter > COUNTER_MAX) this.#reseed(ms);
    const counter = this.#counter++;
    return `${this.#head}${DIGIT[counter >> 8]}${HEX[counter & 0xff]}${this.#tail}`;
  }

  #reseed(ms: number): void {
    const r = crypto.getRandomValues(this.#random);
    const time = Math.max(0, Math.min(Math.trunc(ms), 2 ** 48 - 1));
    const high = Math.floor(time / 0x10000);
    this.#ms = ms;
    this.#head = `${HEX[(high >>> 24) & 0xff]}${HEX[(high >>> 16) & 0xff]}${HEX[(high >>> 8) & 0xff]}${
      HEX[high & 0xff]
    }-${HEX[(time >>> 8) & 0xff]}${HEX[time & 0xff]}-7`;
    this.#tail = `-${HEX[(r[1]! & 0x3f) | 0x80]}${HEX[r[2]!]}-${HEX[r[3]!]}${HEX[r[4]!]}${HEX[r[5]!]}${HEX[r[6]!]}${
      HEX[r[7]!]
    }${HEX[r[8]!]}`;
    // Below 1,024, so at least 3,072 ids fit before the counter runs out.
    this.#counter = ((r[0]! << 2) | (r[1]! >> 6)) & 0x3ff;
  }
}
