/** Structured logging: one JSON object per line, for CloudWatch Logs and `jq`. */

import type { LogLevel } from "./config";

/** Extra fields of a log line. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** One access log line's fields. */
export interface AccessRecord {
  readonly method: string;
  readonly path: string;
  /** The status sent, or null when the connection closed before a response started. */
  readonly status: number | null;
  readonly durationMs: number;
  readonly remoteAddress: string;
  /** The `X-Forwarded-For` header, when a load balancer sent one. */
  readonly forwardedFor?: string;
  /** True when the client went away before the response was complete. */
  readonly aborted: boolean;
}

/** Where the service writes its lines. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Writes an access line at `info`, unless access logs are off. */
  access(record: AccessRecord): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Least severe level written. */
  readonly level: LogLevel;
  /** Whether {@link Logger.access} writes. */
  readonly accessLog: boolean;
  /** Receives each line, newline included. @default - `process.stdout.write` */
  readonly write?: (line: string) => void;
  /** @default - `() => new Date()` */
  readonly now?: () => Date;
}

const SEVERITY: Readonly<Record<LogLevel, number>> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
};

/** A logger writing `{"time","level","msg",...fields}` lines. */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const threshold = SEVERITY[options.level];
  const log =
    (level: Exclude<LogLevel, "silent">) =>
    (msg: string, fields: LogFields = {}): void => {
      if (SEVERITY[level] < threshold) return;
      write(`${JSON.stringify({ time: now().toISOString(), level, msg, ...fields })}\n`);
    };
  const info = log("info");
  return {
    debug: log("debug"),
    info,
    warn: log("warn"),
    error: log("error"),
    access: (record) => {
      if (options.accessLog) info("request", { ...record });
    },
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({
  level: "silent",
  accessLog: false,
  write: () => undefined,
});
