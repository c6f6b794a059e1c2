import { redactText, redactValue } from "./redact.ts";

/** Severity levels, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
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
  const threshold = LOG_LEVELS.indexOf(options.level ?? "info");
  const format = options.format ?? "json";
  const sink = options.sink ?? stderrSink;
  const render = format === "pretty" ? renderPretty : renderJson;

  const make = (context: LogFields): Logger => {
    const write = (level: LogLevel, message: string, fields?: LogFields) => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const merged = fields ? { ...context, ...fields } : context;
      sink(render(level, redactText(message), redactValue(merged) as LogFields));
    };
    return {
      debug: (m, f) => write("debug", m, f),
      info: (m, f) => write("info", m, f),
      warn: (m, f) => write("warn", m, f),
      error: (m, f) => write("error", m, f),
      child: (fields) => make({ ...context, ...fields }),
    };
  };
  return make(options.context ?? {});
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
