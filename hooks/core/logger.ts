/**
 * A small structured logger: one JSON object per line, with a time, a level, an event name and
 * fields. It is injected everywhere, so tests capture what was logged and assert on it.
 */
import { redactSecrets } from "./redact";

/** Log levels, lowest first. */
export const LogLevels = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LogLevels)[number];

/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** One parsed log line. */
export interface LogEntry {
  readonly time: string;
  readonly level: LogLevel;
  readonly event: string;
  readonly [field: string]: unknown;
}

/** A structured logger. `event` is a short dotted name such as `probe.done`. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line and shares this logger's sink and secrets. */
  child(fields: LogFields): Logger;
  /**
   * Registers a secret: from now on it is replaced by `[redacted]` wherever it would appear in a
   * line written by this logger or any logger of its family.
   */
  addSecret(secret: string): void;
}

/** How to build a logger. */
export interface LoggerOptions {
  /**
   * Where lines go.
   * @default - `console.log`, which Lambda sends to CloudWatch Logs
   */
  readonly sink?: (line: string) => void;
  /**
   * Lines below this level are dropped.
   * @default "info"
   */
  readonly level?: LogLevel;
  /**
   * Source of the `time` field.
   * @default - `Date.now`
   */
  readonly now?: () => number;
  /**
   * Fields on every line.
   * @default - none
   */
  readonly fields?: LogFields;
}

interface Shared {
  readonly sink: (line: string) => void;
  readonly minimum: number;
  readonly now: () => number;
  readonly secrets: Set<string>;
}

/** Creates a JSON-lines logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const shared: Shared = {
    sink: options.sink ?? ((line) => console.log(line)),
    minimum: LogLevels.indexOf(options.level ?? "info"),
    now: options.now ?? Date.now,
    secrets: new Set<string>(),
  };
  return familyMember(shared, options.fields ?? {});
}

function familyMember(shared: Shared, base: LogFields): Logger {
  const write = (level: LogLevel, event: string, fields: LogFields = {}): void => {
    if (LogLevels.indexOf(level) < shared.minimum) return;
    const fixed = { time: new Date(shared.now()).toISOString(), level, event };
    // The fixed keys come first and cannot be overwritten by fields.
    const entry = { ...fixed, ...base, ...fields, ...fixed };
    shared.sink(redactLine(serialise(entry), shared.secrets));
  };
  return {
    debug: (event, fields) => write("debug", event, fields),
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
    child: (fields) => familyMember(shared, { ...base, ...fields }),
    addSecret: (secret) => {
      if (secret.length > 0) shared.secrets.add(secret);
    },
  };
}

function serialise(entry: Record<string, unknown>): string {
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (value instanceof Error) {
      const code = (value as Error & { code?: unknown }).code;
      return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
    }
    if (typeof value === "bigint") return value.toString();
    return value;
  });
}

function redactLine(line: string, secrets: ReadonlySet<string>): string {
  if (secrets.size === 0) return line;
  // A secret may appear raw or, inside a JSON string, escaped.
  const forms = [...secrets].flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]);
  return redactSecrets(line, forms);
}

/** A logger that keeps its lines in memory, for tests and for tools that print a summary. */
export interface MemoryLogger {
  readonly logger: Logger;
  /** Every line written, as written. */
  readonly lines: string[];
  /** The lines, parsed. */
  entries(): LogEntry[];
  /** The parsed lines with this event name. */
  events(event: string): LogEntry[];
}

/** Creates a logger that records every line (all levels) in memory. */
export function createMemoryLogger(options: Omit<LoggerOptions, "sink"> = {}): MemoryLogger {
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", ...options, sink: (line) => lines.push(line) });
  const entries = (): LogEntry[] => lines.map((line) => JSON.parse(line) as LogEntry);
  return {
    logger,
    lines,
    entries,
    events: (event) => entries().filter((entry) => entry.event === event),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ sink: () => undefined, level: "error" });
