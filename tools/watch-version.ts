/**
 * `npm run watch-version -- --url <base url> [--path /version] [--rate 50] [--duration 60s]
 * [--timeout-ms 1000] [--out watch.jsonl] [--expect-flip] [--quiet]`
 *
 * Polls a service's version URL at a fixed rate during a deployment, records every request, and
 * prints what it saw: failures by kind, the versions served and the flip. Exit code 0 when no
 * request failed (and, with `--expect-flip`, the version changed), 1 otherwise, 2 on bad usage.
 */

import * as fs from "node:fs";

import { systemClock, type Clock } from "../hooks/core/clock";
import { parseWatchArgs, USAGE, UsageError } from "./watcher/args";
import { formatSummary, ProgressCounter } from "./watcher/format";
import { runWatcher, type WatchOptions, type WatcherDeps } from "./watcher/run";
import { judge, type WatchRecord, type WatchSummary } from "./watcher/summary";

/** Where the CLI writes. */
export interface TextSink {
  write(text: string): unknown;
  /** True when this is a terminal: progress then updates one line in place. */
  readonly isTTY?: boolean;
}

/** A JSON Lines file being written. */
export interface LineFile {
  writeLine(line: string): void;
  /** Flushes and closes; rejects if any write failed. */
  close(): Promise<void>;
}

/** What {@link main} needs from its surroundings. */
export interface CliDeps {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Aborts the watch early (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** @default - the system clock */
  readonly clock?: Clock;
  /** @default - {@link runWatcher} */
  readonly runWatcher?: (options: WatchOptions, deps?: WatcherDeps) => Promise<WatchSummary>;
  /** Opens the `--out` file; throws when it cannot. @default - {@link openLineFile} */
  readonly openOut?: (path: string) => LineFile;
  /** Milliseconds between progress updates: on a terminal, and otherwise. */
  readonly progressIntervalMs?: { readonly tty: number; readonly plain: number };
}

const PROGRESS_INTERVAL_MS = { tty: 200, plain: 5_000 } as const;

/** Opens `path` for writing (truncating it) and writes lines to it. */
export function openLineFile(path: string): LineFile {
  const stream = fs.createWriteStream("", { fd: fs.openSync(path, "w") });
  let failure: Error | undefined;
  stream.on("error", (error) => {
    failure ??= error;
  });
  return {
    writeLine: (line) => void stream.write(`${line}\n`),
    close: () =>
      new Promise((resolve, reject) =>
        stream.end(() => (failure === undefined ? resolve() : reject(failure))),
      ),
  };
}

/** Runs the CLI with `argv` (the arguments after the script name); resolves with the exit code. */
export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
  let args;
  try {
    args = parseWatchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.stderr.write(`watch-version: ${error.message}\nRun with --help for usage.\n`);
    return 2;
  }
  if (args === "help") {
    deps.stdout.write(USAGE);
    return 0;
  }

  let out: LineFile | undefined;
  if (args.out !== undefined) {
    try {
      out = (deps.openOut ?? openLineFile)(args.out);
    } catch (error) {
      deps.stderr.write(
        `watch-version: cannot write --out ${args.out}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 2;
    }
  }

  const clock = deps.clock ?? systemClock;
  const counter = new ProgressCounter();
  const tty = deps.stderr.isTTY === true;
  const started = clock.now();
  const showProgress = (): void => {
    const line = counter.line(clock.now() - started);
    deps.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  const intervals = deps.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  const ticker = args.quiet
    ? undefined
    : setInterval(showProgress, tty ? intervals.tty : intervals.plain);

  let summary: WatchSummary;
  try {
    summary = await (deps.runWatcher ?? runWatcher)(
      {
        url: args.url,
        path: args.path,
        rate: args.rate,
        durationMs: args.durationMs,
        timeoutMs: args.timeoutMs,
        ...(deps.signal === undefined ? {} : { signal: deps.signal }),
        onRecord: (record: WatchRecord) => {
          counter.add(record);
          out?.writeLine(JSON.stringify(record));
        },
      },
      { clock },
    );
  } finally {
    if (ticker !== undefined) {
      clearInterval(ticker);
      showProgress();
      if (tty) deps.stderr.write("\n");
    }
  }

  let code = judge(summary, { expectFlip: args.expectFlip }).ok ? 0 : 1;
  if (out !== undefined) {
    try {
      await out.close();
    } catch (error) {
      deps.stderr.write(
        `watch-version: writing ${args.out ?? ""} failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      code = 1;
    }
  }
  deps.stdout.write(formatSummary(summary, { expectFlip: args.expectFlip }));
  return code;
}

if (require.main === module) {
  const controller = new AbortController();
  // The first Ctrl-C stops the watch and prints the summary; a second one ends the process.
  process.once("SIGINT", () => controller.abort());
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `watch-version: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
