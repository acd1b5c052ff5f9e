/** Command-line arguments of `watch-version`, parsed and checked. */

import { parseArgs } from "node:util";

import { resolveWatchOptions, WatchDefaults } from "./run";

/** Bad usage: the message says what is wrong and how to fix it (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What the command line asks for. */
export interface WatchArgs {
  readonly url: string;
  readonly path: string;
  readonly rate: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  /** JSON Lines file for every record. */
  readonly out?: string;
  readonly expectFlip: boolean;
  readonly quiet: boolean;
}

export const USAGE = `Usage: npm run watch-version -- --url <base url> [options]

Polls <base url><path> at a fixed rate and reports every failed request, the versions served
and when the version flipped.

Options:
  --url <url>          base URL of the service or its load balancer (required)
  --path <path>        version path (default ${WatchDefaults.path})
  --rate <n>           requests per second (default ${WatchDefaults.rate})
  --duration <d>       how long to watch: 500ms, 60s, 2m, 1h (default 60s)
  --timeout-ms <n>     per-request timeout in ms (default ${WatchDefaults.timeoutMs})
  --out <file>         write every request as a JSON line to <file>
  --expect-flip        fail unless the version changed and stayed changed
  --quiet              no progress on stderr
  -h, --help           this text

Exit code: 0 no failed request (and a flip with --expect-flip), 1 otherwise, 2 bad usage.
Ctrl-C stops early and prints the summary.
`;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Parses `500ms`, `60s`, `1.5s`, `2m` or `1h` into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (match === null) {
    throw new UsageError(
      `--duration is "${text}"; give a number and a unit, such as 500ms, 60s, 2m or 1h.`,
    );
  }
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? ""] ?? Number.NaN);
  if (!(ms > 0)) throw new UsageError(`--duration is "${text}"; it must be more than 0.`);
  return Math.round(ms);
}

function positiveNumber(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  const pattern = integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  if (!pattern.test(text.trim()) || !(value > 0)) {
    throw new UsageError(
      `${flag} is "${text}"; give a ${integer ? "whole " : ""}number greater than 0.`,
    );
  }
  return value;
}

/**
 * Parses the arguments after the command name; returns `"help"` for `--help`.
 * @throws UsageError on an unknown flag, a missing `--url` or a bad value.
 */
export function parseWatchArgs(argv: readonly string[]): WatchArgs | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        path: { type: "string" },
        rate: { type: "string" },
        duration: { type: "string" },
        "timeout-ms": { type: "string" },
        out: { type: "string" },
        "expect-flip": { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return "help";
  if (values.url === undefined)
    throw new UsageError("--url is required, e.g. --url http://127.0.0.1:8080.");
  const args: WatchArgs = {
    url: values.url,
    path: values.path ?? WatchDefaults.path,
    rate:
      values.rate === undefined ? WatchDefaults.rate : positiveNumber("--rate", values.rate, false),
    durationMs:
      values.duration === undefined ? WatchDefaults.durationMs : parseDuration(values.duration),
    timeoutMs:
      values["timeout-ms"] === undefined
        ? WatchDefaults.timeoutMs
        : positiveNumber("--timeout-ms", values["timeout-ms"], true),
    ...(values.out === undefined ? {} : { out: values.out }),
    expectFlip: values["expect-flip"] ?? false,
    quiet: values.quiet ?? false,
  };
  try {
    resolveWatchOptions(args);
  } catch (error) {
    throw new UsageError(`--${error instanceof Error ? error.message : String(error)}`);
  }
  return args;
}
