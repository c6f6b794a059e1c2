/** The last lines a child wrote to stderr, bounded, for logs and for the error of a child that never starts. */
export class StderrTail {
  readonly #maxLines: number;
  readonly #maxLineChars: number;
  #lines: string[] = [];
  #partial = "";

  /** Keeps at most `maxLines` lines of at most `maxLineChars` characters each. */
  constructor(maxLines = 20, maxLineChars = 500) {
    this.#maxLines = maxLines;
    this.#maxLineChars = maxLineChars;
  }

  /** Adds a chunk of output; returns the lines it completed (cut to the line limit). */
  push(chunk: string): string[] {
    const parts = (this.#partial + chunk).split(/\r?\n/);
    this.#partial = (parts.pop() ?? "").slice(-this.#maxLineChars);
    const complete = parts.filter((line) => line.length > 0).map((line) => line.slice(0, this.#maxLineChars));
    this.#lines.push(...complete);
    if (this.#lines.length > this.#maxLines) this.#lines.splice(0, this.#lines.length - this.#maxLines);
    return complete;
  }

  /** The kept lines (and any unfinished one), joined by newlines. */
  text(): string {
    return [...this.#lines, ...(this.#partial ? [this.#partial] : [])].join("\n");
  }

  clear(): void {
    this.#lines = [];
    this.#partial = "";
  }
}
