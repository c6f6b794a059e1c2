import { redactText, redactValue } from "./redact.ts";

/** Severity levels, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Each level's place in `LOG_LEVELS`: a line is written when its rank reaches the threshold's. */
const LEVEL_RANK = Object.fromEntries(LOG_LEVELS.map((level, rank) => [level, rank])) as Record<
  LogLevel,
  number
>;
export type LogFormat = "json" | "pretty";
export type LogFields = Record<string, unknown>;

/** Structured logger: one line per event, fields merged with the logger's bound context. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger;
}

/** Where lines go; stderr by default so that CLI output on stdout stays clean. */
export type LogSink = (line: string) => void;

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  sink?: LogSink;
  /** Bound fields added to every line. */
  context?: LogFields;
}

const stderrSink: LogSink = (line) => process.stderr.write(`${line}\n`);

/** Creates a logger. Every message and field is redacted before it is written. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? "json";
  const output: Output = {
    threshold: LEVEL_RANK[options.level ?? "info"],
    sink: options.sink ?? stderrSink,
    render: format === "pretty" ? renderPretty : renderJson,
  };
  return new BoundLogger(output, options.context ?? {});
}

/** What every logger made from one `createLogger` shares. */
interface Output {
  threshold: number;
  sink: LogSink;
  render: (level: LogLevel, msg: string, fields: LogFields) => string;
}

/**
 * A logger and its bound fields: methods on the prototype, so a child logger — made per connection for the few
 * lines it writes — is one object, not a set of closures (issue #11: what a registration leaves behind).
 */
class BoundLogger implements Logger {
  readonly #output: Output;
  readonly #context: LogFields;

  constructor(output: Output, context: LogFields) {
    this.#output = output;
    this.#context = context;
  }

  debug(message: string, fields?: LogFields): void {
    this.#write("debug", message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.#write("info", message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.#write("warn", message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.#write("error", message, fields);
  }

  child(fields: LogFields): Logger {
    return new BoundLogger(this.#output, { ...this.#context, ...fields });
  }

  #write(level: LogLevel, message: string, fields: LogFields | undefined): void {
    const output = this.#output;
    if (LEVEL_RANK[level] < output.threshold) return;
    const merged = fields ? { ...this.#context, ...fields } : this.#context;
    output.sink(output.render(level, redactText(message), redactValue(merged) as LogFields));
  }
}

/** A logger that writes nothing (tests, CLI commands that only print results). */
export const silentLogger: Logger = createLogger({ sink: () => {} });

function renderJson(level: LogLevel, msg: string, fields: LogFields): string {
  return JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
}

const PRETTY_COLOURS: Record<LogLevel, string> = { debug: "90", info: "36", warn: "33", error: "31" };

function renderPretty(level: LogLevel, msg: string, fields: LogFields): string {
  const time = new Date().toISOString().slice(11, 23);
  const useColour = process.env.NO_COLOR === undefined && process.stderr.isTTY === true;
  const tag = useColour ? `\x1b[${PRETTY_COLOURS[level]}m${level.padEnd(5)}\x1b[0m` : level.padEnd(5);
  const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
  return `${time} ${tag} ${msg}${rest}`;
}
